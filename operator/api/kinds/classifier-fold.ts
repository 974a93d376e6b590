import { z } from "zod";
import {
  ClassifierModel,
  ClassifierTraining,
  seedLongestStageEpochs,
  seedLongestStageEpochsCel,
  TrainingSchedule,
} from "../../../jobs/contract/parameters/classifier.ts";
import { defaulted, LocalRef, Placement, Suspend } from "../common.ts";
import { withInvariants } from "../rules.ts";
import { BaseStatus } from "../status.ts";
import { defineKind, stageJobSuffix } from "./define.ts";

/**
 * One trained ConvNeXt fold (stage train-fold, once or twice; seed jobs J5a–f). Training
 * checkpoints every validation and resumes after pre-emption. Waits for its dataset.
 */
export const ClassifierFoldSpec = withInvariants(
  z
    .object({
      dataset: LocalRef.describe("The ClassificationDataset to train on."),
      fold: z.int().min(0).max(19).describe("Fold index: trains on the other folds, validates on this one."),
      numFolds: z
        .int()
        .min(2)
        .max(20)
        .default(4)
        .describe("Number of folds of the dataset's split (must match its spec.cvSplit.folds)."),
      model: defaulted(ClassifierModel),
      training: defaulted(ClassifierTraining),
      stages: TrainingSchedule.optional().describe(
        "Training runs of this fold, in order. When omitted, the seed's schedule for the fold is used: one run for folds 2 and 3, two runs for folds 0 and 1 (docs/seed-pipeline.md#training-runs).",
      ),
      placement: defaulted(Placement),
      suspend: Suspend,
    })
    .describe("Desired state of a ClassifierFold."),
  [
    {
      cel: "self.fold < self.numFolds",
      message: "fold must be smaller than numFolds",
      fieldPath: ".fold",
      holds: (s) => s.fold < s.numFolds,
    },
    {
      cel: "!has(self.stages) || self.stages[0].init != 'PreviousStage'",
      message: "the first training stage has no previous stage: it starts from ImageNet (or Random) weights",
      fieldPath: ".stages",
      holds: (s) => s.stages === undefined || s.stages[0]?.init !== "PreviousStage",
    },
    {
      cel: `has(self.stages) ? self.stages.all(s, s.epochs < self.training.sampler.precomputedEpochs) : self.training.sampler.precomputedEpochs > ${seedLongestStageEpochsCel("self.fold")}`,
      message:
        "training.sampler.precomputedEpochs must exceed the epochs of every training stage (a run trains epochs + 1 with its cooldown epoch; the seed's schedule for this fold is used when stages is omitted)",
      fieldPath: ".training.sampler.precomputedEpochs",
      holds: (s) =>
        s.stages === undefined
          ? s.training.sampler.precomputedEpochs > seedLongestStageEpochs(s.fold)
          : s.stages.every((stage) => stage.epochs < s.training.sampler.precomputedEpochs),
    },
  ],
);

export const ClassifierFoldStatus = BaseStatus.describe("Observed state of a ClassifierFold.");

export const classifierFoldKind = defineKind({
  kind: "ClassifierFold",
  plural: "classifierfolds",
  shortNames: ["fold"],
  /** Its stages train-fold-1 and train-fold-2 (spec.stages has at most two runs). */
  longestDerivedSuffix: stageJobSuffix("fold", "train-fold-2"),
  spec: ClassifierFoldSpec,
  status: ClassifierFoldStatus,
  columns: [
    { name: "Fold", type: "integer", jsonPath: ".spec.fold", description: "Fold index." },
    {
      name: "pF1",
      type: "number",
      jsonPath: ".status.metrics.bestGbmeanPfbeta",
      description: "Best breast-level pF1 of the fold's validations.",
    },
  ],
});
export const ClassifierFold = classifierFoldKind.resource;
export type ClassifierFold = z.infer<typeof ClassifierFold>;
