import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { inferenceRuntimeOptions } from "../../onnx/options.ts";
import { BreastRoiDetector, type RoiSelectionOptions, roiSelectionOptions } from "../../roi/index.ts";
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
 * BoxFinder, on the CPU: the shards are CPU pods. The full frame comes back as "no box".
 */
export async function openRoiFinder(
  modelFile: string,
  selection: Partial<RoiSelectionOptions>,
): Promise<{ finder: BoxFinder; close: () => Promise<void> }> {
  const detector = await BreastRoiDetector.open(
    modelFile,
    inferenceRuntimeOptions({ executionProvider: "Cpu", threads: 1 }),
  );
  const options = roiSelectionOptions(selection);
  const finder: BoxFinder = async (image, rows, columns) => {
    const box = await detector.detect(image, rows, columns, options);
    if (box.branch === "full") return { source: "full" };
    return { source: box.branch, box: { x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1 } };
  };
  return { finder, close: () => detector.close() };
}
