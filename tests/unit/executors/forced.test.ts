import { describe, expect, it } from "vitest";
import { forcedStages } from "../../../operator/executors/local/forced.ts";
import type { LocalStep } from "../../../operator/executors/local/local-plan.ts";
import { makePlan } from "../../support/operator-builders.ts";

const dir = (name: string, id: string) => `runs/local/${name}/${id}`;
const step = (kind: string, name: string, stages: LocalStep["stages"], origin = `${kind}/${name}`): LocalStep => ({
  resource: { kind, namespace: "local", name },
  stages,
  execute: true,
  origin,
});

// A detector, an ensemble and a submission that reads both, as a Reproduction would make them.
const steps = [
  step(
    "RoiDetectorTraining",
    "det",
    [
      makePlan("export-onnx", "export-onnx")
        .input("checkpoint", "assets/d.pth")
        .outputDir(dir("det", "export-onnx"))
        .obj(),
    ],
    "Reproduction/r",
  ),
  step(
    "EngineBuild",
    "ens",
    [
      makePlan("export-onnx", "export-onnx")
        .input("checkpoint", "assets/e.pth")
        .outputDir(dir("ens", "export-onnx"))
        .obj(),
    ],
    "Reproduction/r",
  ),
  step("Submission", "sub", [
    makePlan("predict", "predict")
      .input("detector", dir("det", "export-onnx"))
      .input("csv", "data/test.csv")
      .outputDir(dir("sub", "predict"))
      .obj(),
    makePlan("aggregate", "aggregate")
      .input("predictions", dir("sub", "predict"))
      .outputDir(dir("sub", "aggregate"))
      .obj(),
  ]),
];

describe("mammoflow run --force", () => {
  it("without a value forces every stage", () => {
    expect([...forcedStages(steps, true)]).toEqual([
      "RoiDetectorTraining/det/export-onnx",
      "EngineBuild/ens/export-onnx",
      "Submission/sub/predict",
      "Submission/sub/aggregate",
    ]);
  });

  it("forces a resource's stages and every stage downstream of them, across resources", () => {
    expect([...forcedStages(steps, "RoiDetectorTraining/det")]).toEqual([
      "RoiDetectorTraining/det/export-onnx",
      "Submission/sub/predict",
      "Submission/sub/aggregate",
    ]);
    expect([...forcedStages(steps, "EngineBuild/ens")]).toEqual(["EngineBuild/ens/export-onnx"]);
  });

  it("forces one stage and what reads it, not the stages before it", () => {
    expect([...forcedStages(steps, "Submission/sub/aggregate")]).toEqual(["Submission/sub/aggregate"]);
    expect([...forcedStages(steps, "Submission/sub/predict")]).toEqual([
      "Submission/sub/predict",
      "Submission/sub/aggregate",
    ]);
  });

  it("forces the children of a Reproduction named by its manifest", () => {
    expect([...forcedStages(steps, "Reproduction/r")]).toEqual([
      "RoiDetectorTraining/det/export-onnx",
      "EngineBuild/ens/export-onnx",
      "Submission/sub/predict",
      "Submission/sub/aggregate",
    ]);
  });

  it("refuses an unknown resource or stage, naming it and what is known", () => {
    expect(() => forcedStages(steps, "Submission/nope")).toThrow(
      "--force Submission/nope: no resource Submission/nope in this run (known: Reproduction/r, RoiDetectorTraining/det, EngineBuild/ens, Submission/sub)",
    );
    expect(() => forcedStages(steps, "Submission/sub/train")).toThrow(
      "--force Submission/sub/train: Submission/sub has no stage 'train' (its stages: predict, aggregate)",
    );
    expect(() => forcedStages(steps, "Submission")).toThrow(
      "--force Submission: expected KIND/NAME or KIND/NAME/STAGE",
    );
  });
});
