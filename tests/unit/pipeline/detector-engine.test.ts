import { describe, expect, it } from "vitest";
import {
  ALL_KINDS,
  ClassificationDatasetSpec,
  parseResource,
  RoiDetectorTrainingSpec,
  SubmissionSpec,
} from "../../../operator/api/index.ts";
import { planLocalRun } from "../../../operator/executors/local/index.ts";
import { planStages } from "../../../operator/pipeline/plan.ts";
import type { DependencyView } from "../../../operator/pipeline/stage-plan.ts";
import { makeResource } from "../../support/manifests.ts";
import { planContext, readyDependency, resourceId } from "../../support/plan-context.ts";

// The seed ran its ROI detector as a TensorRT fp16 engine, batch 1 (docs/seed-pipeline.md#detector-output),
// for the dataset crops (J3) and the submission (J8): the detector's engine is built by the
// classifier's build-engine stage and read by prepare-dataset and predict.

const summary = (plans: ReturnType<typeof planStages>) => plans.map((p) => `${p.id}:${p.stage}:${p.gpusPerPod}`);
const seedDetectorEngine = { export: { precision: "Fp16", minBatch: 1, optBatch: 1, maxBatch: 1 }, gpuType: "a100" };

describe("the detector's TensorRT engine stage", () => {
  it("builds the shipped detector's ONNX into the seed's fp16 batch-1 engine with build-engine on a GPU", () => {
    const plans = planStages(
      resourceId("RoiDetectorTraining", "det"),
      RoiDetectorTrainingSpec.parse({ checkpoint: "assets/trained/yolox.pth", tensorRT: true }),
      planContext(),
    );
    expect(summary(plans)).toEqual(["export-onnx:export-onnx:0", "build-engine:build-engine:1"]);
    expect(plans[1]?.inputs).toEqual({ onnx: "runs/ns/RoiDetectorTraining/det/export-onnx" });
    expect(plans[1]?.parameters).toEqual(seedDetectorEngine);
    expect(plans[1]?.outputDir).toBe("runs/ns/RoiDetectorTraining/det/build-engine");
  });

  it("follows a trained detector's export", () => {
    const plans = planStages(
      resourceId("RoiDetectorTraining", "det"),
      RoiDetectorTrainingSpec.parse({ source: "Train", tensorRT: true }),
      planContext(),
    );
    expect(plans.map((p) => p.id)).toEqual(["roi-dataset", "train-detector", "export-onnx", "build-engine"]);
    expect(plans[3]?.inputs).toEqual({ onnx: "runs/ns/RoiDetectorTraining/det/export-onnx" });
  });

  it("is absent without tensorRT, and the export no longer carries the flag it ignores", () => {
    for (const tensorRT of [false, undefined]) {
      const plans = planStages(
        resourceId("RoiDetectorTraining", "det"),
        RoiDetectorTrainingSpec.parse({ checkpoint: "assets/trained/yolox.pth", tensorRT }),
        planContext(),
      );
      expect(summary(plans)).toEqual(["export-onnx:export-onnx:0"]);
    }
    const withEngine = planStages(
      resourceId("RoiDetectorTraining", "det"),
      RoiDetectorTrainingSpec.parse({ checkpoint: "assets/trained/yolox.pth", tensorRT: true }),
      planContext(),
    );
    // The same ONNX either way: switching the engine on re-runs no export.
    expect(withEngine[0]?.parameters).toEqual({ model: "yolox-nano", inputSize: 416 });
  });
});

describe("the stages that run the detector read its engine's folder when it was built", () => {
  const withEngine = readyDependency("detector", "RoiDetectorTraining", "det", ["export-onnx", "build-engine"]);
  const onnxOnly = readyDependency("detector", "RoiDetectorTraining", "det", ["export-onnx"]);
  const ensemble = readyDependency("engine", "EngineBuild", "eng", ["export-onnx", "build-engine"]);
  const submission = (detector: DependencyView, runtime: Record<string, unknown> = {}) =>
    planStages(
      resourceId("Submission", "sub"),
      SubmissionSpec.parse({ detector: { name: "det" }, engine: { name: "eng" }, runtime }),
      planContext(detector, ensemble),
    )[0];
  const dataset = (detector: DependencyView, runtime: Record<string, unknown> = {}) =>
    planStages(
      resourceId("ClassificationDataset", "data"),
      ClassificationDatasetSpec.parse({ detector: { name: "det" }, runtime }),
      planContext(detector),
    )[0];

  it("predict: the detector's build-engine folder, else its export; the seed's precision by default", () => {
    expect(submission(withEngine)?.inputs.detector).toBe("runs/ns/RoiDetectorTraining/det/build-engine");
    expect(submission(onnxOnly)?.inputs.detector).toBe("runs/ns/RoiDetectorTraining/det/export-onnx");
    expect(submission(withEngine)?.parameters.runtime).toEqual({
      executionProvider: "Auto",
      detectorPrecision: "Auto",
      batchSize: 2,
      shards: 1,
    });
    expect(
      submission(withEngine, { executionProvider: "TensorRT", detectorPrecision: "Fp16" })?.parameters.runtime,
    ).toMatchObject({ executionProvider: "TensorRT", detectorPrecision: "Fp16" });
  });

  it("prepare-dataset: the same folders; CPU pods unless runtime asks for a GPU provider", () => {
    const cpu = dataset(withEngine);
    expect(cpu?.inputs.detector).toBe("runs/ns/RoiDetectorTraining/det/build-engine");
    expect(dataset(onnxOnly)?.inputs.detector).toBe("runs/ns/RoiDetectorTraining/det/export-onnx");
    expect(cpu?.parameters.runtime).toEqual({ executionProvider: "Cpu", detectorPrecision: "Auto" });
    expect(cpu?.gpusPerPod).toBe(0);
    const tensorRT = dataset(withEngine, { executionProvider: "TensorRT" });
    expect(tensorRT?.gpusPerPod).toBe(1);
    expect(tensorRT?.shards).toBe(8);
    expect(tensorRT?.parameters.runtime).toEqual({ executionProvider: "TensorRT", detectorPrecision: "Auto" });
  });
});

describe("a Reproduction builds the detector's engine with the ensemble's", () => {
  const parse = (name: string, spec: Record<string, unknown>) =>
    parseResource(ALL_KINDS, makeResource("Reproduction", name, spec), `Reproduction/${name}`);
  const stagesOf = (steps: ReturnType<typeof planLocalRun>, kind: string) =>
    steps.find((s) => s.resource.kind === kind)?.stages ?? [];

  it("in every mode, from engine.export.tensorRT (true by default), and predict and prepare-dataset read it", () => {
    for (const mode of ["Trained", "PartialReproduce", "FullReproduce"]) {
      const steps = planLocalRun([parse("rsna", { mode })]);
      const detector = stagesOf(steps, "RoiDetectorTraining");
      expect(detector.map((p) => p.id).slice(-2)).toEqual(["export-onnx", "build-engine"]);
      expect(detector.at(-1)?.parameters).toEqual({ ...seedDetectorEngine, gpuType: "local" });
      const predict = stagesOf(steps, "Submission")[0];
      expect(predict?.inputs.detector).toBe("runs/local/RoiDetectorTraining/rsna-detector/build-engine");
      if (mode !== "Trained") {
        expect(stagesOf(steps, "ClassificationDataset")[0]?.inputs.detector).toBe(
          "runs/local/RoiDetectorTraining/rsna-detector/build-engine",
        );
      }
    }
  });

  it("not when engine.export.tensorRT is false: the detector stays ONNX", () => {
    const steps = planLocalRun([parse("rsna", { engine: { export: { tensorRT: false } } })]);
    expect(stagesOf(steps, "RoiDetectorTraining").map((p) => p.id)).toEqual(["export-onnx"]);
    expect(stagesOf(steps, "Submission")[0]?.inputs.detector).toBe(
      "runs/local/RoiDetectorTraining/rsna-detector/export-onnx",
    );
  });

  it("without a GPU the local runner leaves both engines out by one rule and says so for each", () => {
    const notes: string[] = [];
    const trained = parse("rsna", { mode: "Trained" });
    const steps = planLocalRun([trained], { withoutGpu: { engineAsked: new Set(), note: (l) => notes.push(l) } });
    expect(stagesOf(steps, "RoiDetectorTraining").map((p) => p.id)).toEqual(["export-onnx"]);
    expect(stagesOf(steps, "EngineBuild").map((p) => p.id)).toEqual(["export-onnx"]);
    expect(stagesOf(steps, "Submission")[0]?.inputs.detector).toBe(
      "runs/local/RoiDetectorTraining/rsna-detector/export-onnx",
    );
    expect(notes).toEqual([
      "no GPU: RoiDetectorTraining/rsna-detector stays ONNX on the CPU (set tensorRT: true to build a TensorRT engine)",
      "no GPU: EngineBuild/rsna-engine stays ONNX on the CPU (set export.tensorRT: true to build a TensorRT engine)",
    ]);
    // A manifest that sets engine.export.tensorRT itself asked for both engines.
    const asked = planLocalRun([trained], {
      withoutGpu: { engineAsked: new Set(["Reproduction/rsna"]), note: (l) => notes.push(l) },
    });
    expect(stagesOf(asked, "RoiDetectorTraining").map((p) => p.id)).toEqual(["export-onnx", "build-engine"]);
    expect(notes).toHaveLength(2);
  });

  it("without a GPU a RoiDetectorTraining whose manifest sets tensorRT keeps its engine", () => {
    const detector = parseResource(
      ALL_KINDS,
      makeResource("RoiDetectorTraining", "det", { checkpoint: "assets/trained/yolox.pth", tensorRT: true }),
      "RoiDetectorTraining/det",
    );
    const notes: string[] = [];
    const asked = planLocalRun([detector], {
      withoutGpu: { engineAsked: new Set(["RoiDetectorTraining/det"]), note: (l) => notes.push(l) },
    });
    expect(asked[0]?.stages.map((p) => p.id)).toEqual(["export-onnx", "build-engine"]);
    expect(notes).toEqual([]);
  });
});
