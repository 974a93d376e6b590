import { describe, expect, it } from "vitest";
import {
  ClassificationDatasetSpec,
  ClassifierFoldSpec,
  EngineBuildSpec,
  RoiDetectorTrainingSpec,
  SubmissionSpec,
} from "../../../operator/api/index.ts";
import { planStages } from "../../../operator/pipeline/plan.ts";
import { stageRequests } from "../../../operator/pipeline/request.ts";
import { planContext, readyDependency, resourceId } from "../../support/plan-context.ts";

const summary = (plans: ReturnType<typeof planStages>) =>
  plans.map((p) => `${p.id}:${p.stage}:${p.shards}:${p.gpusPerPod}`);

describe("planStages", () => {
  it("trains a detector in three stages and imports a shipped one in one", () => {
    const train = planStages(
      resourceId("RoiDetectorTraining", "det", 3),
      RoiDetectorTrainingSpec.parse({ source: "Train" }),
      planContext(),
    );
    expect(summary(train)).toEqual([
      "roi-dataset:roi-dataset:1:0",
      "train-detector:train-detector:1:1",
      "export-onnx:export-onnx:1:0",
    ]);
    expect(train[0]?.inputs).toEqual({
      labels: "assets/data/roi_det_yolov5_format",
      images: "datasets/processed/roi_det_yolox/yolov5_format/images",
    });
    expect(train[1]?.inputs).toEqual({ roiDataset: "runs/ns/RoiDetectorTraining/det/roi-dataset" });
    expect(train[2]?.inputs).toEqual({ checkpoint: "runs/ns/RoiDetectorTraining/det/train-detector" });

    const trained = planStages(
      resourceId("RoiDetectorTraining", "det", 3),
      RoiDetectorTrainingSpec.parse({ source: "Trained", checkpoint: "assets/trained/yolox.pth" }),
      planContext(),
    );
    expect(summary(trained)).toEqual(["export-onnx:export-onnx:1:0"]);
    expect(trained[0]?.inputs).toEqual({ checkpoint: "assets/trained/yolox.pth" });
    expect(trained[0]?.outputDir).toBe("runs/ns/RoiDetectorTraining/det/export-onnx");
  });

  it("decodes the labelled DICOMs with roi-images first when training.dicomImages is set", () => {
    const plans = planStages(
      resourceId("RoiDetectorTraining", "det", 3),
      RoiDetectorTrainingSpec.parse({
        source: "Train",
        training: { dicomImages: "datasets/raw/rsna-breast-cancer-detection/train_images" },
      }),
      planContext(),
    );
    expect(summary(plans)).toEqual([
      "roi-images:roi-images:1:0",
      "roi-dataset:roi-dataset:1:0",
      "train-detector:train-detector:1:1",
      "export-onnx:export-onnx:1:0",
    ]);
    expect(plans[0]?.inputs).toEqual({
      labels: "assets/data/roi_det_yolov5_format",
      dicom: "datasets/raw/rsna-breast-cancer-detection/train_images",
    });
    expect(plans[0]?.outputDir).toBe("runs/ns/RoiDetectorTraining/det/roi-images");
    expect(plans[0]?.parameters).toEqual({});
    expect(plans[1]?.inputs).toEqual({
      labels: "assets/data/roi_det_yolov5_format",
      images: "runs/ns/RoiDetectorTraining/det/roi-images/images",
    });
    expect(plans[2]?.inputs).toEqual({ roiDataset: "runs/ns/RoiDetectorTraining/det/roi-dataset" });
    expect(plans[3]?.inputs).toEqual({ checkpoint: "runs/ns/RoiDetectorTraining/det/train-detector" });
  });

  it("prepares a dataset in spec.shards shards from the detector's ONNX, then splits it", () => {
    const plans = planStages(
      resourceId("ClassificationDataset", "data", 3),
      ClassificationDatasetSpec.parse({ detector: { name: "det" }, shards: 5 }),
      planContext(readyDependency("detector", "RoiDetectorTraining", "det", ["export-onnx"])),
    );
    expect(summary(plans)).toEqual(["prepare-dataset:prepare-dataset:5:0", "cv-split:cv-split:1:0"]);
    expect(plans[0]?.inputs).toEqual({ detector: "runs/ns/RoiDetectorTraining/det/export-onnx" });
    expect(plans[1]?.inputs).toEqual({ dataset: "runs/ns/ClassificationDataset/data/prepare-dataset" });
    const requests = stageRequests(
      resourceId("ClassificationDataset", "data", 3),
      plans[0] as NonNullable<(typeof plans)[0]>,
    );
    expect(requests.map((r) => [r.outputDir, r.shard])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [`runs/ns/ClassificationDataset/data/prepare-dataset/${i}`, { index: i, count: 5 }]),
    );
    // The generation (3) is not part of a request: an edit elsewhere in the spec is not a new request.
    expect(requests[0]?.owner).toEqual({ kind: "ClassificationDataset", namespace: "ns", name: "data" });
  });

  it("trains folds 0 and 1 twice and folds 2 and 3 once (the seed's schedule), one GPU each", () => {
    const dataset = readyDependency("dataset", "ClassificationDataset", "data", ["prepare-dataset", "cv-split"]);
    const fold0 = planStages(
      resourceId("ClassifierFold", "f0", 3),
      ClassifierFoldSpec.parse({ dataset: { name: "data" }, fold: 0 }),
      planContext(dataset),
    );
    const fold2 = planStages(
      resourceId("ClassifierFold", "f2", 3),
      ClassifierFoldSpec.parse({ dataset: { name: "data" }, fold: 2 }),
      planContext(dataset),
    );
    expect(summary(fold0)).toEqual(["train-fold-1:train-fold:1:1", "train-fold-2:train-fold:1:1"]);
    expect(summary(fold2)).toEqual(["train-fold-1:train-fold:1:1"]);
    expect(fold0[1]?.inputs).toEqual({
      crops: "runs/ns/ClassificationDataset/data/prepare-dataset",
      split: "runs/ns/ClassificationDataset/data/cv-split",
      previous: "runs/ns/ClassifierFold/f0/train-fold-1",
    });
    expect(fold0[1]?.parameters.stage).toMatchObject({ init: "PreviousStage" });
    expect(fold0[0]?.parameters.fold).toBe(0);
  });

  it("selects, exports and builds an engine from folds; exports shipped checkpoints as they are", () => {
    const folds = [0, 1].map((i) =>
      readyDependency(
        `fold${i}`,
        "ClassifierFold",
        `f${i}`,
        i === 0 ? ["train-fold-1", "train-fold-2"] : ["train-fold-1"],
      ),
    );
    const fromFolds = planStages(
      resourceId("EngineBuild", "eng", 3),
      EngineBuildSpec.parse({
        folds: [{ name: "f0" }, { name: "f1" }],
        selection: { candidates: [0, 1].map((fold) => ({ fold, epochs: [1] })) },
      }),
      planContext(...folds),
    );
    expect(summary(fromFolds)).toEqual([
      "select-checkpoints:select-checkpoints:1:0",
      "export-onnx:export-onnx:1:0",
      "build-engine:build-engine:1:1",
    ]);
    expect(fromFolds[0]?.inputs).toEqual({
      fold0: "runs/ns/ClassifierFold/f0/train-fold-2",
      fold1: "runs/ns/ClassifierFold/f1/train-fold-1",
    });
    expect(fromFolds[2]?.parameters.gpuType).toBe("a100");

    const trained = planStages(
      resourceId("EngineBuild", "eng", 3),
      EngineBuildSpec.parse({ source: "Trained", export: { tensorRT: false } }),
      planContext(),
    );
    expect(summary(trained)).toEqual(["export-onnx:export-onnx:1:0"]);
    expect(trained[0]?.inputs.fold3).toBe("assets/trained/best_convnext_fold_3.pth.tar");
  });

  it("predicts in runtime.shards shards with the engine, then aggregates into the CSV", () => {
    const plans = planStages(
      resourceId("Submission", "sub", 3),
      SubmissionSpec.parse({ detector: { name: "det" }, engine: { name: "eng" }, runtime: { shards: 3 } }),
      planContext(
        readyDependency("detector", "RoiDetectorTraining", "det", ["export-onnx"]),
        readyDependency("engine", "EngineBuild", "eng", ["export-onnx", "build-engine"]),
      ),
    );
    expect(summary(plans)).toEqual(["predict:predict:3:1", "aggregate:aggregate:1:0"]);
    expect(plans[0]?.inputs.engine).toBe("runs/ns/EngineBuild/eng/build-engine");
    expect(plans[1]?.inputs.predictions).toBe("runs/ns/Submission/sub/predict");
  });
});
