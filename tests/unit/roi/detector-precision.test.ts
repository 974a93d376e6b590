import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { StageResult } from "../../../jobs/contract/index.ts";
import { inferenceRuntimeOptions } from "../../../jobs/ts/onnx/options.ts";
import { ExecutionProviderUnavailable, PrecisionUnsupported } from "../../../jobs/ts/onnx/session.ts";
import { BreastRoiDetector, detectorFp16Attempts } from "../../../jobs/ts/roi/index.ts";
import { runStage } from "../../../jobs/ts/runtime/index.ts";
import { predictStage } from "../../../jobs/ts/submit/stages.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";

// The API's detectorPrecision (Auto, the default: the seed's fp16 TensorRT engine wherever the
// detector runs on TensorRT) reaching the ROI detector. This machine has no GPU and
// onnxruntime-node without its GPU providers, so what runs here is the real refusal and the real
// fallback; an fp16 TensorRT session itself needs a GPU node.

const REPO = path.resolve(import.meta.dirname, "../../..");
/** The random-weight YOLOX-nano export the dataset tests make too (tmp/ is ignored, kept across runs). */
const DETECTOR_DIR = path.join(REPO, "tmp/test-models/yolox-nano-random");
const DETECTOR = path.join(DETECTOR_DIR, "detector.onnx");

beforeAll(() => {
  if (!existsSync(DETECTOR)) {
    execFileSync(path.join(REPO, ".venv/bin/python"), [
      path.join(REPO, "tests/unit/dataset/support/make_detector.py"),
      DETECTOR_DIR,
    ]);
  }
}, 300_000);

describe("which precision the detector opens with", () => {
  it("Auto is fp16 on TensorRT, fp16 then float32 on Auto, float32 on the CPU and CUDA; Fp16 and Fp32 as asked", () => {
    expect(detectorFp16Attempts("Auto", "TensorRT")).toEqual([true]);
    expect(detectorFp16Attempts("Auto", "Auto")).toEqual([true, false]);
    expect(detectorFp16Attempts("Auto", "Cuda")).toEqual([false]);
    expect(detectorFp16Attempts("Auto", "Cpu")).toEqual([false]);
    for (const provider of ["Auto", "Cpu", "Cuda", "TensorRT"] as const) {
      expect(detectorFp16Attempts("Fp16", provider)).toEqual([true]);
      expect(detectorFp16Attempts("Fp32", provider)).toEqual([false]);
    }
  });

  it("Auto on the CPU runs the float32 graph", async () => {
    const detector = await BreastRoiDetector.open(
      DETECTOR,
      inferenceRuntimeOptions({ executionProvider: "Cpu" }),
      "Auto",
    );
    expect([detector.provider, detector.fp16]).toEqual(["Cpu", false]);
    await detector.close();
  });

  it("Auto on the Auto provider of a host without TensorRT falls back to the float32 graph on the CPU", async () => {
    const detector = await BreastRoiDetector.open(
      DETECTOR,
      inferenceRuntimeOptions({ executionProvider: "Auto" }),
      "Auto",
    );
    expect([detector.provider, detector.fp16]).toEqual(["Cpu", false]);
    await detector.close();
  });

  it("Fp16 on a host without TensorRT fails, saying fp16 needs TensorRT; on the CPU provider it is refused", async () => {
    const auto = BreastRoiDetector.open(DETECTOR, inferenceRuntimeOptions({ executionProvider: "Auto" }), "Fp16");
    await expect(auto).rejects.toBeInstanceOf(ExecutionProviderUnavailable);
    await expect(auto).rejects.toThrow(/^the TensorRT \(for fp16\) execution provider is not available/);
    const cpu = BreastRoiDetector.open(DETECTOR, inferenceRuntimeOptions({ executionProvider: "Cpu" }), "Fp16");
    await expect(cpu).rejects.toBeInstanceOf(PrecisionUnsupported);
  });
});

describe("the predict stage passes runtime.detectorPrecision to the detector", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "mammoflow-predict-precision-"));
    // Copies: a stage reads only what lies in its storage root.
    await cp(path.join(REPO, "assets/samples/test.csv"), path.join(root, "samples/test.csv"));
    await cp(path.join(REPO, "assets/samples/test_images"), path.join(root, "samples/test_images"), {
      recursive: true,
    });
    await cp(DETECTOR, path.join(root, "detector/detector.onnx"));
  });

  const predict = async (runtime: Record<string, unknown>) => {
    const outputDir = `runs/${runtime.executionProvider}-${runtime.detectorPrecision}`;
    const file = await makeStageRequest("predict")
      .owner("Submission", "sub")
      .input("csv", "samples/test.csv")
      .input("images", "samples/test_images")
      .input("detector", "detector")
      // The detector is opened before the classifier: its refusal comes first, so any ONNX file
      // serves as the engine input here.
      .input("engine", "detector")
      .parameters({ runtime })
      .outputDir(outputDir)
      .write(path.join(root, `${outputDir.replace("/", "-")}.json`));
    const code = await runStage({ predict: predictStage }, "predict", file, {
      storageRoot: root,
      log: () => {},
      print: () => {},
    });
    const result = StageResult.parse(JSON.parse(await readFile(path.join(root, outputDir, "result.json"), "utf8")));
    return { code, result };
  };

  it("Fp16 on the CPU provider fails the request as it is read, with the API's rule for it", async () => {
    const { code, result } = await predict({ executionProvider: "Cpu", detectorPrecision: "Fp16" });
    expect(code).toBe(2);
    expect(result.error).toMatchObject({
      reason: "BadRequest",
      message:
        "predict parameters are invalid:\n✖ detectorPrecision Fp16 needs executionProvider TensorRT (or Auto on a TensorRT host): the Cpu and Cuda providers run the detector's float32 graph (the predict stage); set detectorPrecision to Auto or Fp32, or executionProvider to TensorRT\n  → at runtime.detectorPrecision",
    });
  });

  it("Auto on the TensorRT provider asks TensorRT for fp16 (not available on this host)", async () => {
    const { code, result } = await predict({ executionProvider: "TensorRT", detectorPrecision: "Auto" });
    expect(code).toBe(2);
    expect(result.error?.message).toMatch(/^the TensorRT \(for fp16\) execution provider is not available/);
  });
});

describe("mammoflow predict --detector-precision", () => {
  it("fp16 on the auto provider asks TensorRT for the fp16 engine (not available on this host) and exits 2", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "mammoflow-predict-cli-"));
    const args = [
      ...["bin/mammoflow.js", "predict", "--provider", "auto", "--detector-precision", "fp16"],
      ...["--csv", "assets/samples/test.csv", "--images", "assets/samples/test_images"],
      // The detector opens first and fails: the classifier is only looked up.
      ...["--detector", DETECTOR, "--classifier", DETECTOR, "--out", path.join(out, "submission.csv")],
    ];
    const failure = await promisify(execFile)("node", args, { cwd: REPO }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toMatch(
      /^mammoflow predict: the TensorRT \(for fp16\) execution provider is not available/m,
    );
  });
});
