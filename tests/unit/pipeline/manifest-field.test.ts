import { describe, expect, it } from "vitest";
import { manifestField, specField } from "../../../operator/pipeline/manifest-field.ts";

describe("the manifest field behind a request field", () => {
  it("reads parameters as spec subtrees and the inputs a spec field names", () => {
    expect(specField("ClassifierFold", "train-fold", "parameters.model.pretrained")).toBe("model.pretrained");
    expect(specField("Submission", "predict", "inputs.csv")).toBe("testSet.csv");
    expect(specField("Submission", "aggregate", "inputs.labels")).toBe("testSet.labels");
    expect(specField("RoiDetectorTraining", "roi-images", "inputs.dicom")).toBe("training.dicomImages");
    expect(specField("RoiDetectorTraining", "export-onnx", "inputs.checkpoint")).toBe("checkpoint");
    expect(specField("EngineBuild", "export-onnx", "inputs.fold3")).toBe("trainedCheckpoints[3]");
    // Another stage's output is no spec field.
    expect(specField("Submission", "predict", "inputs.detector")).toBeUndefined();
    expect(specField("EngineBuild", "select-checkpoints", "inputs.fold0")).toBeUndefined();
  });

  it("names the resource's own field, or the Reproduction's that sets it", () => {
    expect(manifestField("Submission", "sub", "Submission/sub", "testSet.csv")).toBe("Submission/sub spec.testSet.csv");
    expect(manifestField("Submission", "toy-submission", "Reproduction/toy", "testSet.csv")).toBe(
      "Reproduction/toy spec.submission.testSet.csv",
    );
    expect(manifestField("ClassificationDataset", "toy-dataset", "Reproduction/toy", "datasets[1].rawPath")).toBe(
      "Reproduction/toy spec.dataset.datasets[1].rawPath",
    );
    expect(manifestField("ClassifierFold", "toy-fold-2", "Reproduction/toy", "training.device")).toBe(
      "Reproduction/toy spec.classifier.training.device",
    );
    expect(manifestField("RoiDetectorTraining", "toy-detector", "Reproduction/toy", "tensorRT")).toBe(
      "Reproduction/toy spec.engine.export.tensorRT",
    );
    expect(manifestField("RoiDetectorTraining", "toy-detector", "Reproduction/toy", "checkpoint")).toBe(
      "Reproduction/toy spec.trainedAssets",
    );
    expect(manifestField("EngineBuild", "toy-engine", "Reproduction/toy", "trainedCheckpoints[2]")).toBe(
      "Reproduction/toy spec.trainedAssets",
    );
    expect(manifestField("EngineBuild", "toy-engine", "Reproduction/toy", "export.tensorRT")).toBe(
      "Reproduction/toy spec.engine.export.tensorRT",
    );
  });
});
