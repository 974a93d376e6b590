import { describe, expect, it } from "vitest";
import {
  ClassificationDataset,
  ClassifierFold,
  EngineBuild,
  Reproduction,
  RoiDetectorTraining,
  Submission,
  seedTrainingStages,
} from "../../../operator/api/index.ts";
import { makeFold, makeResource } from "../../support/manifests.ts";

// A minimal manifest must reproduce the published configuration (docs/seed-pipeline.md#overview).
describe("defaults follow the seed", () => {
  it("Reproduction with an empty spec is the seed's Trained mode with its settings", () => {
    const { spec } = Reproduction.parse(makeResource("Reproduction", "r", {}));
    expect(spec.mode).toBe("Trained");
    expect(spec.trainedAssets).toBe("assets/trained");
    expect(spec.placement).toEqual({ gpuPool: "a100", gpusPerPod: 1 });
    expect(spec.dataset.cvSplit).toEqual({ folds: 4, seed: 67, dataset: "rsna-breast-cancer-detection" });
    expect(spec.dataset.datasets.map((d) => d.name)).toEqual([
      "rsna-breast-cancer-detection",
      "vindr",
      "miniddsm",
      "cmmd",
      "cddcesm",
      "bmcd",
    ]);
    expect(spec.dataset.datasets.filter((d) => d.labels === "SeedCheckedIn").map((d) => d.name)).toEqual([
      "cmmd",
      "bmcd",
    ]);
    expect(spec.dataset.roi).toEqual({
      confidenceThreshold: 0.5,
      nmsIouThreshold: 0.9,
      minAreaFraction: 0.04,
      otsuFallback: true,
    });
    expect(spec.classifier.training.externalDatasets).toEqual(["bmcd", "cddcesm", "cmmd", "miniddsm", "vindr"]);
    expect(spec.submission.aggregation).toEqual({
      threshold: 0.31,
      autoThreshold: false,
      autoThresholdQuantile: 0.97935,
      breastReduction: "Mean",
    });
    expect(spec.submission.runtime.batchSize).toBe(2);
    expect(spec.engine.export).toMatchObject({ opset: 15, precision: "Fp32", minBatch: 1, optBatch: 2, maxBatch: 2 });
    expect(spec.engine.export.workspaceBytes).toBe(4294967296);
  });

  it("training data uses float64 windows while the submission mimics the DALI float16 path", () => {
    const dataset = ClassificationDataset.parse(
      makeResource("ClassificationDataset", "d", { detector: { name: "x" } }),
    );
    expect(dataset.spec.pixels).toEqual({
      windowIndex: 0,
      windowParamPrecision: "Float64",
      applyRescale: false,
      applyVoiLutSequence: false,
    });
    expect(dataset.spec.shards).toBe(8);
    const submission = Submission.parse(
      makeResource("Submission", "s", { detector: { name: "x" }, engine: { name: "y" } }),
    );
    expect(submission.spec.pixels.windowParamPrecision).toBe("Float16ForDaliSyntaxes");
    expect(submission.spec.testSet.csv).toBe("datasets/raw/rsna-breast-cancer-detection/test.csv");
  });

  it("detector training is the YOLOX-nano 416 experiment", () => {
    const { spec } = RoiDetectorTraining.parse(makeResource("RoiDetectorTraining", "d", { source: "Train" }));
    expect(spec.training).toMatchObject({
      inputSize: 416,
      epochs: 400,
      warmupEpochs: 50,
      noAugEpochs: 5,
      batchSize: 64,
      learningRate: 1e-3,
      minLearningRateRatio: 0.05,
      momentum: 0.9,
      weightDecay: 5e-4,
      horizontalFlipProbability: 0.5,
      emaDecay: 0.9998,
      seed: 42,
    });
  });

  it("a fold gets the seed's ConvNeXt-small model and shared training settings", () => {
    const { spec } = ClassifierFold.parse(makeFold(2));
    expect(spec.model).toEqual({
      architecture: "convnext_small.fb_in22k_ft_in1k_384",
      pretrained: "assets/public_pretrains/convnext_small.fb_in22k_ft_in1k_384.safetensors",
      globalPool: "max",
      dropRate: 0.5,
      dropPathRate: 0.2,
      inputHeight: 2048,
      inputWidth: 1024,
    });
    expect(spec.training).toMatchObject({
      batchSize: 8,
      validationBatchSize: 16,
      weightDecay: 2e-5,
      momentum: 0.9,
      emaDecay: 0.9998,
      mixedPrecision: true,
      seed: 42,
      denseCheckpointBins: 2,
    });
    expect(spec.training.sampler).toEqual({
      positiveRatio: 0.1429,
      precomputedEpochs: 35,
      seed: 42,
      onePositiveMode: true,
    });
    expect(spec.stages).toBeUndefined();
  });

  it("the seed's per-fold schedules match docs/seed-pipeline.md#training-runs", () => {
    expect(seedTrainingStages(2)).toEqual(seedTrainingStages(3));
    expect(seedTrainingStages(2)).toEqual([
      expect.objectContaining({
        init: "ImageNet",
        lr: 3e-3,
        minLr: 5e-5,
        warmupLr: 3e-5,
        epochs: 30,
        warmupEpochs: 4,
        smoothing: 0.1,
      }),
    ]);
    const [first, second] = seedTrainingStages(0);
    expect(first).toMatchObject({
      init: "ImageNet",
      lr: 1e-3,
      minLr: 1e-5,
      warmupLr: 1e-5,
      epochs: 24,
      warmupEpochs: 4,
      smoothing: 0.2,
    });
    expect(second).toMatchObject({
      init: "PreviousStage",
      lr: 1e-3,
      minLr: 5e-5,
      warmupLr: 1e-3,
      epochs: 16,
      warmupEpochs: 1,
      smoothing: 0.1,
    });
    expect(seedTrainingStages(1)).toEqual(seedTrainingStages(0));
    // The seed's schedules are valid specs in their own right.
    expect(ClassifierFold.parse(makeFold(0, { stages: seedTrainingStages(0) })).spec.stages).toHaveLength(2);
  });

  it("an engine selects among the seed's 525 epoch combinations", () => {
    const folds = [0, 1, 2, 3].map((k) => ({ name: `f${k}` }));
    const { spec } = EngineBuild.parse(makeResource("EngineBuild", "e", { folds }));
    const counts = spec.selection.candidates.map((c) => c.epochs.length);
    expect(counts).toEqual([3, 5, 7, 5]);
    expect(counts.reduce((a, b) => a * b, 1)).toBe(525);
    expect(spec.selection.thresholdStep).toBe(0.01);
    expect(spec.trainedCheckpoints).toEqual([0, 1, 2, 3].map((k) => `assets/trained/best_convnext_fold_${k}.pth.tar`));
  });
});
