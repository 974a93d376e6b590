import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { CropDetectorRuntime } from "../../../contract/parameters/detector-precision.ts";
import type { RoiSelection } from "../../../contract/parameters/roi.ts";
import { inferenceRuntimeOptions } from "../../onnx/options.ts";
import { BreastRoiDetector } from "../../roi/index.ts";
import type { BoxFinder } from "./box.ts";

/** The detector ONNX: the file itself, or the one `*.onnx` in a folder (the export-onnx stage's output). */
export async function detectorModelFile(detector: string): Promise<string> {
  if ((await stat(detector)).isFile()) return detector;
  const models = (await readdir(detector)).filter((name) => name.endsWith(".onnx")).sort();
  if (models.length !== 1) {
    throw new Error(`expected exactly one .onnx file in ${detector}, found ${models.length} (${models.join(", ")})`);
  }
  return path.join(detector, models[0] as string);
}

/**
 * The seed's ROI step (docs/seed-pipeline.md#breast-roi-detection: YOLOX-nano, Otsu fallback, full frame) as a
 * BoxFinder, with the request's selection and runtime as prepare-dataset's catalogue entry
 * defaults them (the CPU unless the request names a GPU provider; fp16 where the detector runs on
 * TensorRT unless the request says otherwise, as the seed cropped with its fp16 TensorRT engine). The full frame comes back as "no box"; `fp16` says how it ran.
 */
export async function openRoiFinder(
  modelFile: string,
  selection: RoiSelection,
  runtime: CropDetectorRuntime,
): Promise<{ finder: BoxFinder; fp16: boolean; close: () => Promise<void> }> {
  const detector = await BreastRoiDetector.open(
    modelFile,
    inferenceRuntimeOptions({ executionProvider: runtime.executionProvider, threads: 1 }),
    runtime.detectorPrecision,
  );
  const finder: BoxFinder = async (image, rows, columns) => {
    const box = await detector.detect(image, rows, columns, selection);
    if (box.branch === "full") return { source: "full" };
    return { source: box.branch, box: { x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1 } };
  };
  return { finder, fp16: detector.fp16, close: () => detector.close() };
}
