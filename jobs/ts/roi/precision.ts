import type { DetectorPrecision } from "../../contract/parameters/detector-precision.ts";
import type { ExecutionProvider } from "../onnx/options.ts";

/**
 * The ROI detector's precision as the API names it (jobs/contract/parameters/detector-precision.ts):
 * Auto is the seed's fp16 TensorRT engine wherever the detector runs on TensorRT
 * (docs/seed-pipeline.md#detector-output), and the ONNX model's float32 elsewhere.
 */
export type { DetectorPrecision };

/**
 * The fp16 settings to open the detector with, in order. Auto on the Auto provider first asks
 * TensorRT alone for an fp16 engine and, where TensorRT cannot load, opens the float32 graph on
 * the providers that remain; Fp16 is passed on as asked, so the CPU and CUDA providers refuse it
 * (onnx/session.ts) instead of running float32 unasked.
 */
export function detectorFp16Attempts(precision: DetectorPrecision, provider: ExecutionProvider): boolean[] {
  if (precision === "Fp16") return [true];
  if (precision === "Fp32") return [false];
  if (provider === "TensorRT") return [true];
  return provider === "Auto" ? [true, false] : [false];
}
