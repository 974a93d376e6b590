import { describe, expect, it } from "vitest";
import { ALL_KINDS, parseResource } from "../../../operator/api/index.ts";
import { gpuProblems } from "../../../operator/executors/local/gpu-preflight.ts";
import { LocalPlanError, planLocalRun } from "../../../operator/executors/local/index.ts";
import { assertInputsPresent, requiredPaths } from "../../../operator/executors/local/preflight.ts";
import { makeResource } from "../../support/manifests.ts";
import { makeReproduction, makeTrainingStage } from "../../support/reproduction-builder.ts";

const parse = (kind: string, name: string, spec: Record<string, unknown>) =>
  parseResource(ALL_KINDS, makeResource(kind, name, spec), `${kind}/${name}`);

/** A FullReproduce on the RSNA data alone, in two folds. */
const toySpec = () => ({
  ...makeReproduction("FullReproduce").folds(2).obj(),
  dataset: { datasets: [{ name: "rsna-breast-cancer-detection" }], cvSplit: { folds: 2 } },
  classifier: { training: { externalDatasets: [] } },
});

const storageWith = (present: string[]) => ({
  root: "/data",
  exists: (path: string) => present.includes(path),
  bundled: (path: string) => path.startsWith("assets/data/"),
});

const refusal = (run: () => void) => {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error("the run was not refused");
};

describe("local run preflight", () => {
  it("names every missing input at once, with its readers and fields, before any stage starts", () => {
    const steps = planLocalRun([parse("Reproduction", "toy", toySpec())]);
    const error = refusal(() => assertInputsPresent(steps, storageWith([])));
    expect(error).toBeInstanceOf(LocalPlanError); // mammoflow run exits 2
    expect(error.message).toBe(
      [
        "7 input(s) missing under /data; nothing was started:",
        "  assets/data/roi_det_yolov5_format: read by RoiDetectorTraining/toy-detector roi-dataset (inputs.labels); named by Reproduction/toy spec.detector.training.labels; bundled with mammoflow: run with --link-assets",
        "  datasets/processed/roi_det_yolox/yolov5_format/images: read by RoiDetectorTraining/toy-detector roi-dataset (inputs.images); named by Reproduction/toy spec.detector.training.images; put it there or change that field",
        "  assets/public_pretrains/yolox_nano.pth: read by RoiDetectorTraining/toy-detector train-detector (parameters.training.pretrained); named by Reproduction/toy spec.detector.training.pretrained; put it there or change that field",
        "  datasets/raw/rsna-breast-cancer-detection: read by ClassificationDataset/toy-dataset prepare-dataset (parameters.datasets[0].rawPath); named by Reproduction/toy spec.dataset.datasets[0].rawPath; put it there or change that field",
        "  assets/public_pretrains/convnext_small.fb_in22k_ft_in1k_384.safetensors: read by ClassifierFold/toy-fold-0 train-fold-1 (parameters.model.pretrained), ClassifierFold/toy-fold-1 train-fold-1 (parameters.model.pretrained); named by Reproduction/toy spec.classifier.model.pretrained; put it there or change that field",
        "  datasets/raw/rsna-breast-cancer-detection/test.csv: read by Submission/toy-submission predict (inputs.csv), Submission/toy-submission aggregate (inputs.csv); named by Reproduction/toy spec.submission.testSet.csv; put it there or change that field",
        "  datasets/raw/rsna-breast-cancer-detection/test_images: read by Submission/toy-submission predict (inputs.images), Submission/toy-submission aggregate (inputs.images); named by Reproduction/toy spec.submission.testSet.images; put it there or change that field",
      ].join("\n"),
    );
  });

  it("checks no stage output of the run, and no pretrained weights for models that start from random weights", () => {
    const spec = {
      ...toySpec(),
      detector: { training: { init: "Random" } },
      classifier: { training: { externalDatasets: [] }, stages: [makeTrainingStage({ epochs: 2 })] },
    };
    const steps = planLocalRun([parse("Reproduction", "toy", spec)]);
    const paths = requiredPaths(steps).map((r) => r.path);
    expect(paths.some((p) => p.startsWith("runs/"))).toBe(false);
    expect(paths).not.toContain("assets/public_pretrains/convnext_small.fb_in22k_ft_in1k_384.safetensors");
    expect(paths).not.toContain("assets/public_pretrains/yolox_nano.pth");
    expect(() => assertInputsPresent(steps, storageWith(paths))).not.toThrow();
  });

  it("with --only, requires the outputs of the dependencies it does not run", () => {
    const detector = parse("RoiDetectorTraining", "det", { checkpoint: "assets/trained/yolox.pth" });
    const engine = parse("EngineBuild", "ens", { source: "Trained", export: { tensorRT: false } });
    const submission = parse("Submission", "sub", { detector: { name: "det" }, engine: { name: "ens" } });
    const steps = planLocalRun([detector, engine, submission], { only: "Submission/sub" });
    const error = refusal(() =>
      assertInputsPresent(
        steps,
        storageWith(["datasets/raw/rsna-breast-cancer-detection/test.csv", "runs/local/EngineBuild/ens/export-onnx"]),
      ),
    );
    expect(error.message).toBe(
      [
        "2 input(s) missing under /data; nothing was started:",
        "  runs/local/RoiDetectorTraining/det/export-onnx: read by Submission/sub predict (inputs.detector)",
        "  datasets/raw/rsna-breast-cancer-detection/test_images: read by Submission/sub predict (inputs.images), Submission/sub aggregate (inputs.images); named by Submission/sub spec.testSet.images; put it there or change that field",
      ].join("\n"),
    );
  });

  it("names a Trained engine's checkpoints by the field that lists them", () => {
    const engine = parse("EngineBuild", "ens", { source: "Trained", export: { tensorRT: false } });
    const error = refusal(() => assertInputsPresent(planLocalRun([engine]), storageWith([])));
    expect(error.message.split("\n").slice(0, 2)).toEqual([
      "4 input(s) missing under /data; nothing was started:",
      "  assets/trained/best_convnext_fold_0.pth.tar: read by EngineBuild/ens export-onnx (inputs.fold0); named by EngineBuild/ens spec.trainedCheckpoints[0]; put it there or change that field",
    ]);
  });
});

describe("local run preflight: GPU and TensorRT", () => {
  const noGpu = { gpu: false, tensorRT: () => true };
  const trainedSpec = { mode: "Trained", engine: { export: { tensorRT: true } } };

  it("refuses, in the same message as missing inputs, an engine asked for on a machine without a GPU", () => {
    // A manifest that sets export.tensorRT itself keeps its engines without a GPU (local-plan.ts).
    const steps = planLocalRun([parse("Reproduction", "toy", trainedSpec)], {
      withoutGpu: { engineAsked: new Set(["Reproduction/toy"]), note: () => {} },
    });
    const error = refusal(() => assertInputsPresent(steps, storageWith([]), gpuProblems(steps, noGpu)));
    const lines = error.message.split("\n");
    expect(lines[0]).toBe(
      "7 input(s) missing under /data and 1 setting(s) need a GPU or TensorRT this machine lacks; nothing was started:",
    );
    expect(lines.at(-1)).toBe(
      "  Reproduction/toy spec.engine.export.tensorRT: RoiDetectorTraining/toy-detector build-engine, EngineBuild/toy-engine build-engine need(s) a CUDA GPU, which this machine lacks; set it to false (the ONNX model then runs on the CPU)",
    );
  });

  it("asks for TensorRT only on a GPU machine with an engine planned, once, and names its field", () => {
    let asked = 0;
    const host = {
      gpu: true,
      tensorRT: () => {
        asked += 1;
        return false;
      },
    };
    const engine = parse("EngineBuild", "ens", { source: "Trained" });
    expect(
      gpuProblems(
        planLocalRun([engine, parse("RoiDetectorTraining", "det", { checkpoint: "d.pth", tensorRT: true })]),
        host,
      ),
    ).toEqual([
      "  EngineBuild/ens spec.export.tensorRT: EngineBuild/ens build-engine need(s) TensorRT (the Python package tensorrt), which this machine lacks; set it to false (the ONNX model then runs on the CPU)",
      "  RoiDetectorTraining/det spec.tensorRT: RoiDetectorTraining/det build-engine need(s) TensorRT (the Python package tensorrt), which this machine lacks; set it to false (the ONNX model then runs on the CPU)",
    ]);
    expect(asked).toBe(1);
    const onnxOnly = parse("EngineBuild", "ens", { source: "Trained", export: { tensorRT: false } });
    expect(gpuProblems(planLocalRun([onnxOnly]), host)).toEqual([]);
    expect(asked).toBe(1);
  });

  it("names training that defaults to CUDA and GPU execution providers, and accepts Cpu and Auto", () => {
    const spec = {
      ...toySpec(),
      engine: { export: { tensorRT: false } },
      detector: { training: { device: "Cpu" } },
      dataset: { ...toySpec().dataset, runtime: { executionProvider: "Cuda" } },
      submission: { runtime: { executionProvider: "Auto" } },
    };
    expect(gpuProblems(planLocalRun([parse("Reproduction", "toy", spec)]), noGpu)).toEqual([
      "  Reproduction/toy spec.dataset.runtime.executionProvider: ClassificationDataset/toy-dataset prepare-dataset need(s) a CUDA GPU, which this machine lacks; set it to Auto or Cpu",
      "  Reproduction/toy spec.classifier.training.device: ClassifierFold/toy-fold-0 train-fold-1, ClassifierFold/toy-fold-0 train-fold-2, ClassifierFold/toy-fold-1 train-fold-1, ClassifierFold/toy-fold-1 train-fold-2 need(s) a CUDA GPU, which this machine lacks; set it to Cpu (toy runs only: a seed-sized run takes weeks)",
    ]);
    const fold = parse("ClassifierFold", "f", { dataset: { name: "d" }, fold: 0, training: { device: "Cpu" } });
    const dataset = parse("ClassificationDataset", "d", { detector: { name: "det" } });
    const detector = parse("RoiDetectorTraining", "det", { checkpoint: "d.pth" });
    expect(gpuProblems(planLocalRun([detector, dataset, fold]), noGpu)).toEqual([]);
    expect(gpuProblems(planLocalRun([detector, dataset, fold], { only: "ClassifierFold/f" }), noGpu)).toEqual([]);
  });
});
