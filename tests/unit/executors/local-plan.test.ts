import { describe, expect, it } from "vitest";
import { ALL_KINDS, parseResource } from "../../../operator/api/index.ts";
import { hostHasGpu, hostHasTensorRT, LocalPlanError, planLocalRun } from "../../../operator/executors/local/index.ts";
import { makeResource } from "../../support/manifests.ts";

const parse = (kind: string, name: string, spec: Record<string, unknown>) =>
  parseResource(ALL_KINDS, makeResource(kind, name, spec), `${kind}/${name}`);

const detector = parse("RoiDetectorTraining", "det", { checkpoint: "assets/trained/yolox.pth" });
const engine = parse("EngineBuild", "ens", { source: "Trained", export: { tensorRT: false } });
const submission = parse("Submission", "sub", { detector: { name: "det" }, engine: { name: "ens" } });

describe("local run plan", () => {
  it("orders resources by their dependencies, whatever the manifest order", () => {
    const steps = planLocalRun([submission, engine, detector]);
    expect(steps.map((s) => `${s.resource.kind}/${s.resource.name}`)).toEqual([
      "RoiDetectorTraining/det",
      "EngineBuild/ens",
      "Submission/sub",
    ]);
    expect(steps.map((s) => s.stages.map((p) => p.id))).toEqual([
      ["export-onnx"],
      ["export-onnx"],
      ["predict", "aggregate"],
    ]);
    const predict = steps[2]?.stages[0];
    expect(predict?.inputs).toMatchObject({
      detector: "runs/local/RoiDetectorTraining/det/export-onnx",
      engine: "runs/local/EngineBuild/ens/export-onnx",
    });
    expect(steps.every((s) => s.execute)).toBe(true);
  });

  it("expands a Reproduction into the resources of its mode", () => {
    const reproduction = parse("Reproduction", "rsna", { mode: "PartialReproduce" });
    const steps = planLocalRun([reproduction]);
    expect(steps.map((s) => `${s.resource.kind}/${s.resource.name}`)).toEqual([
      "RoiDetectorTraining/rsna-detector",
      "ClassificationDataset/rsna-dataset",
      "ClassifierFold/rsna-fold-0",
      "ClassifierFold/rsna-fold-1",
      "ClassifierFold/rsna-fold-2",
      "ClassifierFold/rsna-fold-3",
      "EngineBuild/rsna-engine",
      "Submission/rsna-submission",
    ]);
    const fold0 = steps.find((s) => s.resource.name === "rsna-fold-0");
    expect(fold0?.stages).toHaveLength(2);
  });

  it("with --only runs one resource and plans, but does not run, its dependencies", () => {
    const steps = planLocalRun([detector, engine, submission], { only: "Submission/sub" });
    expect(steps.map((s) => [s.resource.name, s.execute])).toEqual([
      ["det", false],
      ["ens", false],
      ["sub", true],
    ]);
    expect(() => planLocalRun([detector], { only: "Submission/nope" })).toThrow(
      "--only Submission/nope: no such resource (known: RoiDetectorTraining/det)",
    );
  });

  it("without a GPU, the trained Reproduction's engines stay ONNX on the CPU and it says so once for each", () => {
    const trained = parse("Reproduction", "rsna-trained", { mode: "Trained" });
    const notes: string[] = [];
    const steps = planLocalRun([trained], { withoutGpu: { engineAsked: new Set(), note: (l) => notes.push(l) } });
    const engineStages = (list: typeof steps) =>
      list.find((s) => s.resource.kind === "EngineBuild")?.stages.map((p) => p.id);
    expect(engineStages(steps)).toEqual(["export-onnx"]);
    expect(notes).toEqual([
      "no GPU: RoiDetectorTraining/rsna-trained-detector stays ONNX on the CPU (set tensorRT: true to build a TensorRT engine)",
      "no GPU: EngineBuild/rsna-trained-engine stays ONNX on the CPU (set export.tensorRT: true to build a TensorRT engine)",
    ]);
    // On a GPU machine (no withoutGpu) the default builds the engine, as on the cluster.
    expect(engineStages(planLocalRun([trained]))).toEqual(["export-onnx", "build-engine"]);
    // A manifest that asks for the engine gets it, GPU or not (build-engine then says it needs one).
    const asked = planLocalRun([trained], {
      withoutGpu: { engineAsked: new Set(["Reproduction/rsna-trained"]), note: (l) => notes.push(l) },
    });
    expect(engineStages(asked)).toEqual(["export-onnx", "build-engine"]);
    expect(notes).toHaveLength(2);
  });

  it("passes training.device to the training stages as written, and nothing when absent (the default Cuda)", () => {
    const parameterOf = (steps: ReturnType<typeof planLocalRun>, stage: string) =>
      steps.flatMap((s) => s.stages).find((p) => p.stage === stage)?.parameters as { training: { device?: string } };
    const toy = parse("Reproduction", "toy", {
      mode: "FullReproduce",
      detector: { training: { device: "Cpu" } },
      classifier: { training: { device: "Cpu" } },
    });
    expect(parameterOf(planLocalRun([toy]), "train-detector").training.device).toBe("Cpu");
    expect(parameterOf(planLocalRun([toy]), "train-fold").training.device).toBe("Cpu");
    const seed = planLocalRun([parse("Reproduction", "seed", { mode: "FullReproduce" })]);
    expect(parameterOf(seed, "train-detector").training).not.toHaveProperty("device");
    expect(parameterOf(seed, "train-fold").training).not.toHaveProperty("device");
  });

  it("decides GPU presence from $MAMMOFLOW_LOCAL_GPU, else from the driver's device node", () => {
    const none = () => false;
    expect(hostHasGpu({ MAMMOFLOW_LOCAL_GPU: "1" }, none)).toBe(true);
    expect(hostHasGpu({ MAMMOFLOW_LOCAL_GPU: "false" }, () => true)).toBe(false);
    expect(hostHasGpu({}, (file) => file === "/dev/nvidia0")).toBe(true);
    expect(hostHasGpu({}, none)).toBe(false);
  });

  it("decides TensorRT from $MAMMOFLOW_LOCAL_TENSORRT, else from the stages' Python", () => {
    const python = process.env.MAMMOFLOW_PYTHON ?? ".venv/bin/python";
    expect(hostHasTensorRT(python, { MAMMOFLOW_LOCAL_TENSORRT: "true" }, () => false)).toBe(true);
    expect(hostHasTensorRT(python, { MAMMOFLOW_LOCAL_TENSORRT: "0" }, () => true)).toBe(false);
    expect(hostHasTensorRT(python, {}, (p) => p === python)).toBe(true);
    // The real probe: a Python without the package, and no Python at all.
    expect(hostHasTensorRT("python3-that-does-not-exist", {})).toBe(false);
  });

  it("names a dependency that is not in the manifests", () => {
    expect(() => planLocalRun([submission, detector])).toThrow(
      new LocalPlanError("Submission/sub needs EngineBuild/ens (its engine), which is not in the manifests"),
    );
  });

  it("refuses a resource defined twice", () => {
    expect(() => planLocalRun([detector, detector])).toThrow("RoiDetectorTraining/det is defined twice");
  });
});
