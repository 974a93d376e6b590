import { describe, expect, it } from "vitest";
import { ALL_KINDS, parseResource } from "../../../operator/api/index.ts";
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
        "  assets/data/roi_det_yolov5_format: read by RoiDetectorTraining/toy-detector roi-dataset (inputs.labels); bundled with mammoflow: run with --link-assets",
        "  datasets/processed/roi_det_yolox/yolov5_format/images: read by RoiDetectorTraining/toy-detector roi-dataset (inputs.images)",
        "  assets/public_pretrains/yolox_nano.pth: read by RoiDetectorTraining/toy-detector train-detector (parameters.training.pretrained)",
        "  datasets/raw/rsna-breast-cancer-detection: read by ClassificationDataset/toy-dataset prepare-dataset (parameters.datasets[0].rawPath)",
        "  assets/public_pretrains/convnext_small.fb_in22k_ft_in1k_384.safetensors: read by ClassifierFold/toy-fold-0 train-fold-1 (parameters.model.pretrained), ClassifierFold/toy-fold-1 train-fold-1 (parameters.model.pretrained)",
        "  datasets/raw/rsna-breast-cancer-detection/test.csv: read by Submission/toy-submission predict (inputs.csv), Submission/toy-submission aggregate (inputs.csv)",
        "  datasets/raw/rsna-breast-cancer-detection/test_images: read by Submission/toy-submission predict (inputs.images), Submission/toy-submission aggregate (inputs.images)",
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
        "  datasets/raw/rsna-breast-cancer-detection/test_images: read by Submission/sub predict (inputs.images), Submission/sub aggregate (inputs.images)",
      ].join("\n"),
    );
  });
});
