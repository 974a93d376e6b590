import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/**
 * The ONNX file of a model input: the file itself, or inside a folder (an export stage's
 * output) the only `.onnx` file, or the one whose name has one of the hints.
 */
export async function resolveOnnxModel(input: string, hints: readonly string[]): Promise<string> {
  const info = await stat(input).catch(() => undefined);
  if (!info) throw new Error(`model ${input} does not exist`);
  if (info.isFile()) return input;
  const models = (await readdir(input)).filter((f) => f.endsWith(".onnx")).sort();
  if (models.length === 1) return path.join(input, models[0] as string);
  const hinted = models.filter((f) => hints.some((h) => f.toLowerCase().includes(h)));
  if (hinted.length === 1) return path.join(input, hinted[0] as string);
  throw new Error(
    `cannot choose the model in ${input}: ${models.length === 0 ? "no .onnx file" : `candidates ${models.join(", ")}`}`,
  );
}

export const DETECTOR_HINTS = ["yolox", "detector", "roi"];
export const CLASSIFIER_HINTS = ["ensemble", "convnext", "classifier"];
