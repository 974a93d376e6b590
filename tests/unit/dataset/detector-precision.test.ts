import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { StageResult } from "../../../jobs/contract/index.ts";
import { prepareDataset } from "../../../jobs/ts/dataset/stage.ts";
import { runStage } from "../../../jobs/ts/runtime/index.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";
import { ramp, writeDicoms, writeText } from "./support/raw-files.ts";

// prepare-dataset's `runtime` (the API's ClassificationDataset spec.runtime) reaches the detector
// that crops the breasts. No GPU and no GPU providers here: what runs is the real refusal of fp16
// on the CPU, the real attempt at TensorRT, and the float32 crops of the default.

const REPO = path.resolve(import.meta.dirname, "../../..");
const DETECTOR_DIR = path.join(REPO, "tmp/test-models/yolox-nano-random");

describe("prepare-dataset runs the detector as its request's runtime says", () => {
  let root: string;

  beforeAll(async () => {
    if (!existsSync(path.join(DETECTOR_DIR, "detector.onnx"))) {
      execFileSync(path.join(REPO, ".venv/bin/python"), [
        path.join(import.meta.dirname, "support/make_detector.py"),
        DETECTOR_DIR,
      ]);
    }
    root = await mkdtemp(path.join(tmpdir(), "mammoflow-prepare-precision-"));
    await writeText(
      path.join(root, "datasets/raw/bmcd/label.csv"),
      "dir,laterality,age,density,BIRADS,biopsy_result,folder_type\n1,Left,66,a,1,,normal\n",
    );
    const dicom = (name: string) => ({
      path: path.join(root, "datasets/raw/bmcd/Dataset/Normal_cases/1", name),
      rows: 64,
      columns: 48,
      values: ramp(64, 48, 100, 1),
      bits: 12 as const,
      center: 2048,
      width: 4096,
    });
    writeDicoms([dicom("CC_recent.dcm"), dicom("MLO_recent.dcm")]);
    await cp(path.join(DETECTOR_DIR, "detector.onnx"), path.join(root, "models/detector/detector.onnx"));
  }, 300_000);

  const prepare = async (name: string, runtime?: Record<string, unknown>) => {
    const request = makeStageRequest("prepare-dataset")
      .owner("ClassificationDataset", name)
      .input("detector", "models/detector")
      .parameters({ datasets: [{ name: "bmcd" }], ...(runtime ? { runtime } : {}) })
      .outputDir(`runs/${name}`);
    const file = path.join(root, `${name}.json`);
    await writeText(file, request.json());
    const code = await runStage({ "prepare-dataset": prepareDataset }, "prepare-dataset", file, {
      storageRoot: root,
      log: () => {},
      print: () => {},
    });
    const result = StageResult.parse(JSON.parse(await readFile(path.join(root, `runs/${name}/result.json`), "utf8")));
    return { code, result };
  };

  it("refuses detectorPrecision Fp16 on its default CPU provider as the request is read, with the API's rule", async () => {
    const { code, result } = await prepare("fp16-cpu", { detectorPrecision: "Fp16" });
    expect(code).toBe(2);
    expect(result.error).toMatchObject({
      reason: "BadRequest",
      message:
        "prepare-dataset parameters are invalid:\n✖ detectorPrecision Fp16 needs executionProvider TensorRT (or Auto on a TensorRT host): the Cpu and Cuda providers run the detector's float32 graph (prepare-dataset); set detectorPrecision to Auto or Fp32, or executionProvider to TensorRT\n  → at runtime.detectorPrecision",
    });
    expect(existsSync(path.join(root, "runs/fp16-cpu/crop-settings.json"))).toBe(false);
  });

  it("asks TensorRT for the fp16 engine with the TensorRT provider and Auto precision (not available on this host)", async () => {
    const { code, result } = await prepare("auto-tensorrt", { executionProvider: "TensorRT" });
    expect(code).toBe(2);
    expect(result.error?.reason).toBe("BadRequest");
    expect(result.error?.message).toMatch(
      /^parameters\.runtime\.executionProvider: the TensorRT \(for fp16\) execution provider is not available/,
    );
  });

  it("crops with the float32 detector by default and claims the folder as before (no precision recorded)", async () => {
    const { code, result } = await prepare("default");
    expect(result.error).toBeUndefined();
    expect(code).toBe(0);
    const settings = JSON.parse(await readFile(path.join(root, "runs/default/crop-settings.json"), "utf8"));
    expect(Object.keys(settings).sort()).toEqual(["detectorSha256", "pixels", "roi"]);
  });
});
