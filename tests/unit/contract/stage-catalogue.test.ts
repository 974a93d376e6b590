import { describe, expect, it } from "vitest";
import { STAGE_CATALOGUE, StageName } from "../../../jobs/contract/stages.ts";
import { Placement } from "../../../operator/api/common.ts";
import {
  ClassificationDatasetSpec,
  ClassifierFoldSpec,
  EngineBuildSpec,
  RoiDetectorTrainingSpec,
  SubmissionSpec,
} from "../../../operator/api/index.ts";
import { preflightPlan } from "../../../operator/pipeline/input-preflight.ts";
import { makeStage } from "../../../operator/pipeline/kinds/make-stage.ts";
import { planStages } from "../../../operator/pipeline/plan.ts";
import type { StagePlan } from "../../../operator/pipeline/stage-plan.ts";
import { planContext, readyDependency, resourceId } from "../../support/plan-context.ts";

/**
 * Every stage the kinds plan from their default specs, both sources of a detector and an engine,
 * and the operator's input preflight (check-inputs), which it plans for any of them.
 */
function plannedStages(): StagePlan[] {
  const dataset = readyDependency("dataset", "ClassificationDataset", "data", ["prepare-dataset", "cv-split"]);
  const folds = [0, 1].map((i) => readyDependency(`fold${i}`, "ClassifierFold", `f${i}`, ["train-fold-1"]));
  return [
    ...planStages(
      resourceId("RoiDetectorTraining", "det"),
      RoiDetectorTrainingSpec.parse({ source: "Train", tensorRT: true }),
      planContext(),
    ),
    ...planStages(
      resourceId("RoiDetectorTraining", "det"),
      RoiDetectorTrainingSpec.parse({ source: "Train", training: { dicomImages: "datasets/raw/x/train_images" } }),
      planContext(),
    ),
    ...planStages(
      resourceId("RoiDetectorTraining", "det"),
      RoiDetectorTrainingSpec.parse({ source: "Trained", checkpoint: "assets/trained/yolox.pth" }),
      planContext(),
    ),
    ...planStages(
      resourceId("ClassificationDataset", "data"),
      ClassificationDatasetSpec.parse({ detector: { name: "det" } }),
      planContext(readyDependency("detector", "RoiDetectorTraining", "det", ["export-onnx"])),
    ),
    ...planStages(
      resourceId("ClassifierFold", "f0"),
      ClassifierFoldSpec.parse({ dataset: { name: "data" }, fold: 0 }),
      planContext(dataset),
    ),
    ...planStages(
      resourceId("EngineBuild", "eng"),
      EngineBuildSpec.parse({
        folds: [{ name: "f0" }, { name: "f1" }],
        selection: { candidates: [0, 1].map((fold) => ({ fold, epochs: [1] })) },
      }),
      planContext(...folds),
    ),
    ...planStages(resourceId("EngineBuild", "eng"), EngineBuildSpec.parse({ source: "Trained" }), planContext()),
    ...planStages(
      resourceId("Submission", "sub"),
      SubmissionSpec.parse({ detector: { name: "det" }, engine: { name: "eng" }, testSet: { labels: "l.csv" } }),
      planContext(
        readyDependency("detector", "RoiDetectorTraining", "det", ["export-onnx"]),
        readyDependency("engine", "EngineBuild", "eng", ["export-onnx", "build-engine"]),
      ),
    ),
    preflightPlan(
      resourceId("Submission", "sub"),
      [{ path: "l.csv", reader: "Submission/sub aggregate", field: "inputs.labels" }],
      undefined,
      "a100",
    ),
  ];
}

/** Whether `name` is one the stage declares, a placeholder (`fold{k}`, `{name}-labels`) included. */
function declares(stage: StageName, name: string): boolean {
  return Object.keys(STAGE_CATALOGUE[stage].inputs).some((declared) => {
    const pattern = declared.replace("{k}", "\\d+").replace("{name}", "[a-z0-9-]+");
    return new RegExp(`^${pattern}$`).test(name);
  });
}

describe("the stage catalogue", () => {
  it("names each stage by its key", () => {
    for (const [key, stage] of Object.entries(STAGE_CATALOGUE)) expect(stage.name).toBe(key);
    expect(StageName.options).toEqual(Object.keys(STAGE_CATALOGUE));
  });

  it("covers every stage with the kinds' plans", () => {
    expect([...new Set(plannedStages().map((p) => p.stage))].sort()).toEqual([...StageName.options].sort());
  });

  it("declares every input a kind sends and requires what the stage needs", () => {
    for (const plan of plannedStages()) {
      const { inputs } = STAGE_CATALOGUE[plan.stage];
      for (const name of Object.keys(plan.inputs))
        expect(declares(plan.stage, name), `${plan.stage}: ${name}`).toBe(true);
      for (const [name, presence] of Object.entries(inputs)) {
        if (presence === "required") expect(plan.inputs, `${plan.stage}: ${name}`).toHaveProperty(name);
      }
    }
  });

  it("reads the parameters a kind sends without changing them: the spec's defaults are the stage's", () => {
    for (const plan of plannedStages()) {
      const parsed = STAGE_CATALOGUE[plan.stage].parameters.safeParse(plan.parameters);
      expect(parsed.error, plan.stage).toBeUndefined();
      expect(parsed.data, plan.stage).toMatchObject(plan.parameters);
    }
  });

  it("fills the seed's defaults into parameters that leave them out", () => {
    const fold = STAGE_CATALOGUE["train-fold"].parameters.parse({
      fold: 1,
      stage: { init: "ImageNet", lr: 1e-3, minLr: 1e-5, warmupLr: 1e-5, epochs: 24, warmupEpochs: 4, smoothing: 0.2 },
    });
    expect(fold).toMatchObject({ numFolds: 4, augment: true, training: { emaDecay: 0.9998, batchSize: 8 } });
    expect(fold.training.sampler).toEqual({
      positiveRatio: 0.1429,
      precomputedEpochs: 35,
      seed: 42,
      onePositiveMode: true,
    });
    expect(STAGE_CATALOGUE["cv-split"].parameters.parse({})).toEqual({
      cvSplit: { folds: 4, seed: 67, dataset: "rsna-breast-cancer-detection" },
    });
    expect(STAGE_CATALOGUE["train-detector"].parameters.parse({})).toMatchObject({
      training: { emaDecay: 0.9998, inputSize: 416, epochs: 400 },
      dataLoaderWorkers: 4,
      checkpointEverySteps: 50,
      deterministic: false,
    });
  });

  it("types what a kind gives a stage by the catalogue (tsc checks the marked lines fail)", () => {
    const placement = Placement.parse({});
    const stage = { init: "ImageNet", lr: 1, minLr: 0, warmupLr: 0, epochs: 2, warmupEpochs: 1, smoothing: 0 } as const;
    const fold = makeStage(resourceId("ClassifierFold", "f"), placement, "train-fold-1", "train-fold", {
      inputs: { crops: "c", split: "s" },
      parameters: { fold: 0, stage },
    });
    expect([fold.inputs, fold.parameters, fold.gpusPerPod]).toEqual([
      { crops: "c", split: "s" },
      { fold: 0, stage },
      1,
    ]);
    makeStage(resourceId("ClassifierFold", "f"), placement, "t", "train-fold", {
      // @ts-expect-error: train-fold reads "crops", not "crop"
      inputs: { crop: "c", split: "s" },
      parameters: { fold: 0, stage },
    });
    makeStage(resourceId("ClassifierFold", "f"), placement, "t", "train-fold", {
      // @ts-expect-error: train-fold needs its split
      inputs: { crops: "c" },
      parameters: { fold: 0, stage },
    });
    makeStage(resourceId("EngineBuild", "e"), placement, "t", "build-engine", {
      inputs: { onnx: "o" },
      // @ts-expect-error: build-engine's gpuType is a string
      parameters: { gpuType: 1 },
    });
    const select = makeStage(resourceId("EngineBuild", "e"), placement, "s", "select-checkpoints", {
      inputs: { fold0: "a", fold1: "b" },
    });
    expect(select.inputs).toEqual({ fold0: "a", fold1: "b" });
  });
});
