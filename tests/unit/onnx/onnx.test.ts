import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { batchSizeForMemory } from "../../../jobs/ts/classify/ensemble.ts";
import { inferenceRuntimeOptions, parseExecutionProvider } from "../../../jobs/ts/onnx/options.ts";
import {
  ModelLoadError,
  openSession,
  PrecisionUnsupported,
  providerCandidates,
  tensorRtEnvironment,
} from "../../../jobs/ts/onnx/session.ts";
import { BreastRoiDetector } from "../../../jobs/ts/roi/index.ts";
import { CLASSIFIER_HINTS, DETECTOR_HINTS, resolveOnnxModel } from "../../../jobs/ts/submit/models.ts";

describe("execution providers and sessions", () => {
  it("reads provider names as typed on a command line", () => {
    expect(["cpu", "CUDA", "TensorRT", "auto"].map(parseExecutionProvider)).toEqual([
      "Cpu",
      "Cuda",
      "TensorRT",
      "Auto",
    ]);
    expect(() => parseExecutionProvider("rocm")).toThrow(
      "unknown execution provider 'rocm' (cpu, cuda, tensorrt or auto)",
    );
  });

  it("names a missing or unreadable model file", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mammoflow-onnx-"));
    await expect(openSession(path.join(dir, "none.onnx"), inferenceRuntimeOptions())).rejects.toThrow(
      `${path.join(dir, "none.onnx")}: model file does not exist`,
    );
    await writeFile(path.join(dir, "junk.onnx"), "not a model");
    const failure = openSession(path.join(dir, "junk.onnx"), inferenceRuntimeOptions());
    await expect(failure).rejects.toBeInstanceOf(ModelLoadError);
    await expect(failure).rejects.toThrow(/junk\.onnx: ONNX Runtime cannot load the model/);
  });
});

describe("fp16 (the seed's TensorRT fp16 detector engine)", () => {
  const refusal = (provider: string) =>
    `fp16 needs the TensorRT execution provider, which builds an fp16 engine as the seed's detector engine was; the ${provider} provider runs the model's own float32 graph: choose TensorRT (or Auto on a TensorRT host), or leave fp16 off`;

  it("is refused on the CPU and CUDA providers, before any model is read", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mammoflow-fp16-"));
    await writeFile(path.join(dir, "detector.onnx"), "not read");
    for (const executionProvider of ["Cpu", "Cuda"] as const) {
      const failure = BreastRoiDetector.open(
        path.join(dir, "detector.onnx"),
        inferenceRuntimeOptions({ executionProvider }),
        "Fp16",
      );
      await expect(failure).rejects.toBeInstanceOf(PrecisionUnsupported);
      await expect(failure).rejects.toThrow(refusal(executionProvider));
    }
  });

  it("leaves TensorRT alone to Auto, and changes nothing without it", () => {
    const options = (executionProvider: "Auto" | "TensorRT", fp16?: boolean) =>
      inferenceRuntimeOptions({ executionProvider, ...(fp16 === undefined ? {} : { fp16 }) });
    expect(providerCandidates(options("Auto", true))).toEqual(["TensorRT"]);
    expect(providerCandidates(options("TensorRT", true))).toEqual(["TensorRT"]);
    expect(providerCandidates(options("Auto"))).toEqual(["TensorRT", "Cuda", "Cpu"]);
    expect(providerCandidates(options("Auto", false))).toEqual(["TensorRT", "Cuda", "Cpu"]);
  });

  it("asks TensorRT for fp16 engines through its environment and caches them apart from float32 ones", () => {
    const cache = "/engines";
    expect(
      tensorRtEnvironment(
        inferenceRuntimeOptions({ executionProvider: "TensorRT", fp16: true, tensorrtEngineCacheDir: cache }),
      ),
    ).toEqual({
      ORT_TENSORRT_FP16_ENABLE: "1",
      ORT_TENSORRT_ENGINE_CACHE_ENABLE: "1",
      ORT_TENSORRT_CACHE_PATH: "/engines/fp16",
    });
    // A later float32 session in the same process must not inherit fp16 from the environment.
    expect(
      tensorRtEnvironment(inferenceRuntimeOptions({ executionProvider: "TensorRT", tensorrtEngineCacheDir: cache })),
    ).toEqual({
      ORT_TENSORRT_FP16_ENABLE: "0",
      ORT_TENSORRT_ENGINE_CACHE_ENABLE: "1",
      ORT_TENSORRT_CACHE_PATH: "/engines",
    });
  });
});

describe("model inputs and batch size", () => {
  it("takes a file as is, or the one .onnx of a folder, or the one whose name says what it is", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mammoflow-models-"));
    await mkdir(path.join(dir, "single"));
    await writeFile(path.join(dir, "single/anything.onnx"), "");
    await mkdir(path.join(dir, "both"));
    await writeFile(path.join(dir, "both/detector.onnx"), "");
    await writeFile(path.join(dir, "both/ensemble.onnx"), "");
    expect(await resolveOnnxModel(path.join(dir, "single"), DETECTOR_HINTS)).toBe(
      path.join(dir, "single/anything.onnx"),
    );
    expect(await resolveOnnxModel(path.join(dir, "both"), DETECTOR_HINTS)).toBe(path.join(dir, "both/detector.onnx"));
    expect(await resolveOnnxModel(path.join(dir, "both"), CLASSIFIER_HINTS)).toBe(path.join(dir, "both/ensemble.onnx"));
    expect(await resolveOnnxModel(path.join(dir, "both/ensemble.onnx"), DETECTOR_HINTS)).toBe(
      path.join(dir, "both/ensemble.onnx"),
    );
    await expect(resolveOnnxModel(path.join(dir, "both"), ["x"])).rejects.toThrow(
      /cannot choose the model in .*both: candidates detector\.onnx, ensemble\.onnx/,
    );
    await expect(resolveOnnxModel(path.join(dir, "nope"), ["x"])).rejects.toThrow(/nope does not exist/);
  });

  it("lowers the batch when the input tensors would take more than a quarter of free memory", () => {
    const perImage = 3 * 2048 * 1024 * 4;
    expect(batchSizeForMemory(2, 2048, 1024, 64 * perImage)).toBe(2);
    expect(batchSizeForMemory(8, 2048, 1024, 12 * perImage)).toBe(3);
    expect(batchSizeForMemory(2, 2048, 1024, 1)).toBe(1);
  });
});
