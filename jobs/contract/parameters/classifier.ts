import { z } from "zod";
import { type Invariant, withInvariants } from "../invariants.ts";
import { ClassifierArchitecture } from "./classifier-architectures.ts";
import { DatasetName, SEED_EXTERNAL_TRAINING_ORDER } from "./datasets.ts";
import { defaulted, StoragePath } from "./storage-path.ts";
import { TrainingDevice } from "./training-device.ts";

/** The classifier architecture (docs/seed-pipeline.md#classifier). */
export const ClassifierModel = z
  .object({
    architecture: ClassifierArchitecture.default("convnext_small.fb_in22k_ft_in1k_384").describe(
      "timm model name: a ConvNeXt (v1 or v2) of the locked timm, optionally with one of its pretrained tags.",
    ),
    pretrained: StoragePath.default("assets/public_pretrains/convnext_small.fb_in22k_ft_in1k_384.safetensors").describe(
      "ImageNet weights of the architecture (timm cannot download them on the cluster); used when a stage starts from ImageNet.",
    ),
    globalPool: z.enum(["max", "avg"]).default("max").describe("timm global pooling."),
    dropRate: z.number().min(0).max(1).default(0.5).describe("Dropout before the final linear layer."),
    dropPathRate: z.number().min(0).max(1).default(0.2).describe("Stochastic-depth rate (linear over blocks)."),
    inputHeight: z.int().min(32).max(8192).default(2048).describe("Input height in pixels."),
    inputWidth: z.int().min(32).max(8192).default(1024).describe("Input width in pixels."),
  })
  .describe("The ConvNeXt classifier: one logit, ImageNet normalisation inside the model.");
export type ClassifierModel = z.infer<typeof ClassifierModel>;

/** BalanceSamplerV2 (docs/seed-pipeline.md#sampler). */
export const BalanceSampler = z
  .object({
    positiveRatio: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.1429)
      .describe("Target positives per negative (start and end ratio of BalanceSamplerV2)."),
    precomputedEpochs: z
      .int()
      .min(1)
      .max(1000)
      .default(35)
      .describe("Epoch index lists drawn at construction (the seed draws 35)."),
    seed: z.int().min(0).default(42).describe("NumPy global seed of the sampler."),
    onePositiveMode: z.boolean().default(true).describe("Spread positives so every batch gets at least one."),
  })
  .describe("Class-balancing batch sampler.");

/** Training settings shared by every stage of every fold (docs/seed-pipeline.md#training). */
export const ClassifierTraining = z
  .object({
    batchSize: z.int().min(1).max(1024).default(8).describe("Training batch size."),
    validationBatchSize: z.int().min(1).max(1024).default(16).describe("Validation batch size."),
    weightDecay: z
      .number()
      .min(0)
      .default(2e-5)
      .describe("SGD weight decay, applied to weights of two or more dimensions only."),
    momentum: z.number().min(0).max(1).default(0.9).describe("SGD Nesterov momentum."),
    emaDecay: z
      .number()
      .min(0)
      .max(1)
      .default(0.9998)
      .describe("EMA decay; validation and checkpoints use the EMA weights."),
    mixedPrecision: z.boolean().default(true).describe("fp16 autocast with a gradient scaler on CUDA."),
    device: TrainingDevice,
    seed: z.int().min(0).default(42).describe("Seed of torch, NumPy and random."),
    dataLoaderWorkers: z.int().min(0).max(64).default(8).describe("DataLoader worker processes."),
    sampler: defaulted(BalanceSampler),
    externalDatasets: z
      .array(DatasetName)
      .max(6)
      .default([...SEED_EXTERNAL_TRAINING_ORDER])
      .describe(
        "External datasets appended to the RSNA training fold, in this order (the order changes sampler indices).",
      ),
    denseCheckpointBins: z
      .int()
      .min(1)
      .max(10)
      .default(2)
      .describe("Validations per epoch inside a stage's dense-validation epochs."),
    checkpointEverySteps: z
      .int()
      .min(1)
      .max(1_000_000)
      .default(500)
      .describe(
        "Optimiser steps between resume checkpoints (besides the one at every validation): at most this many steps are lost when a pod is pre-empted.",
      ),
    deterministic: z
      .boolean()
      .default(false)
      .describe(
        "torch deterministic algorithms and cuDNN settings: a resumed run then ends with the same weights as an uninterrupted one, at some cost in speed.",
      ),
  })
  .describe("Settings shared by all classifier training stages.");
export type ClassifierTraining = z.infer<typeof ClassifierTraining>;

const trainingStageRules: Invariant<{ warmupEpochs: number; epochs: number; lr: number; minLr: number }>[] = [
  {
    cel: "self.warmupEpochs < self.epochs",
    message: "warmupEpochs must be smaller than epochs",
    fieldPath: ".warmupEpochs",
    holds: (s) => s.warmupEpochs < s.epochs,
  },
  {
    cel: "self.minLr <= self.lr",
    message: "minLr must not exceed lr",
    fieldPath: ".minLr",
    holds: (s) => s.minLr <= s.lr,
  },
];

/** One `train_exp.py` run of a fold (one row of the table in docs/seed-pipeline.md#training-runs). */
export const TrainingStage = withInvariants(
  z
    .object({
      init: z
        .enum(["ImageNet", "PreviousStage", "Random"])
        .describe(
          "ImageNet: start from the pretrained weights (model.pretrained). PreviousStage: start from the EMA weights of the previous stage's last checkpoint. Random: start from timm's random initialisation, for trial runs at toy size where no pretrained file is at hand (the seed always starts from ImageNet).",
        ),
      lr: z.number().positive().describe("Peak learning rate."),
      minLr: z.number().min(0).describe("Final cosine learning rate (also the cooldown epoch's)."),
      warmupLr: z.number().min(0).describe("Learning rate of epoch 0 of the linear warm-up."),
      epochs: z.int().min(1).max(1000).describe("Cosine epochs; one cooldown epoch is added."),
      warmupEpochs: z.int().min(0).max(1000).describe("Linear warm-up epochs."),
      smoothing: z
        .number()
        .min(0)
        .lt(1)
        .describe("Soft-positive smoothing: positives get target 1 − smoothing, negatives 0."),
      denseValidationFrom: z
        .int()
        .min(0)
        .max(1000)
        .optional()
        .describe("First epoch validated more than once (mid-epoch); omit for none."),
      denseValidationTo: z.int().min(0).max(1000).optional().describe("Last epoch validated more than once."),
    })
    .describe("One training run of a fold."),
  trainingStageRules,
);
export type TrainingStage = z.infer<typeof TrainingStage>;

/** One or two training runs of a fold, in order (the seed's folds 0/1 train twice). */
export const TrainingSchedule = z.array(TrainingStage).min(1).max(2);

/**
 * The seed's schedule for a fold (docs/seed-pipeline.md#training-runs): folds 2 and 3 train once at lr 3e-3;
 * folds 0 and 1 train twice, the second run starting from the first run's last EMA weights.
 */
export function seedTrainingStages(fold: number): TrainingStage[] {
  if (fold === 2 || fold === 3) {
    return [
      {
        init: "ImageNet",
        lr: 3e-3,
        minLr: 5e-5,
        warmupLr: 3e-5,
        epochs: 30,
        warmupEpochs: 4,
        smoothing: 0.1,
        denseValidationFrom: 10,
        denseValidationTo: 18,
      },
    ];
  }
  return [
    {
      init: "ImageNet",
      lr: 1e-3,
      minLr: 1e-5,
      warmupLr: 1e-5,
      epochs: 24,
      warmupEpochs: 4,
      smoothing: 0.2,
      denseValidationFrom: 10,
      denseValidationTo: 18,
    },
    {
      init: "PreviousStage",
      lr: 1e-3,
      minLr: 5e-5,
      warmupLr: 1e-3,
      epochs: 16,
      warmupEpochs: 1,
      smoothing: 0.1,
      denseValidationFrom: 17,
      denseValidationTo: 18,
    },
  ];
}

/** The cosine epochs of a fold's longest seed run (fold 2 and 3: 30; every other fold: 24). */
export function seedLongestStageEpochs(fold: number): number {
  return Math.max(...seedTrainingStages(fold).map((s) => s.epochs));
}

/**
 * CEL for the same number, `fold` being a CEL int expression: the seed's schedule is per fold
 * index, so the rule the API server checks states it per fold index too.
 */
export function seedLongestStageEpochsCel(fold: string): string {
  return `(${fold} == 2 || ${fold} == 3 ? ${seedLongestStageEpochs(2)} : ${seedLongestStageEpochs(0)})`;
}
