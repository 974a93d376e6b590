import { z } from "zod";
import { type Invariant, withInvariants } from "../invariants.ts";

/** ONNX Runtime's execution providers, as Submission and ClassificationDataset name them. */
export const EXECUTION_PROVIDERS = ["Auto", "Cpu", "Cuda", "TensorRT"] as const;

/**
 * The ROI detector's precision (docs/seed-pipeline.md#detector-output: the seed's detector engine
 * was TensorRT fp16, batch 1, for the dataset crops and the submission). Only ONNX Runtime's
 * TensorRT provider can run a float32 graph in fp16 (it builds an fp16 engine); CUDA and the CPU
 * run the graph's own float32.
 */
export const DetectorPrecision = z
  .enum(["Auto", "Fp32", "Fp16"])
  .default("Auto")
  .describe(
    "Precision of the ROI detector. Auto: fp16 where the detector runs on the TensorRT provider (the seed's fp16 TensorRT engine), else the ONNX model's float32. Fp16: always fp16, which only the TensorRT provider runs (executionProvider TensorRT, or Auto on a TensorRT host). Fp32: the float32 graph on every provider.",
  );
export type DetectorPrecision = z.infer<typeof DetectorPrecision>;

/**
 * Fp16 with a provider that can only run float32 is refused when the resource is written, not
 * when its stage starts: the field that asks for it is named.
 */
export function detectorPrecisionRunsOn(
  where: string,
): Invariant<{ executionProvider: (typeof EXECUTION_PROVIDERS)[number]; detectorPrecision: DetectorPrecision }> {
  return {
    cel: "self.detectorPrecision != 'Fp16' || self.executionProvider in ['Auto', 'TensorRT']",
    message: `detectorPrecision Fp16 needs executionProvider TensorRT (or Auto on a TensorRT host): the Cpu and Cuda providers run the detector's float32 graph (${where}); set detectorPrecision to Auto or Fp32, or executionProvider to TensorRT`,
    fieldPath: ".detectorPrecision",
    holds: (r) =>
      r.detectorPrecision !== "Fp16" || r.executionProvider === "Auto" || r.executionProvider === "TensorRT",
  };
}

/** How prepare-dataset runs the detector that crops the breasts (seed job J3). */
export const CropDetectorRuntime = withInvariants(
  z
    .object({
      executionProvider: z
        .enum(EXECUTION_PROVIDERS)
        .default("Cpu")
        .describe(
          "ONNX Runtime execution provider of the ROI detector in prepare-dataset. Cpu (default): CPU pods, the float32 graph. Cuda, TensorRT or Auto: every shard's pod asks for the GPUs of the resource's pool (the seed cropped with its fp16 TensorRT engine: TensorRT with detectorPrecision Auto).",
        ),
      detectorPrecision: DetectorPrecision,
    })
    .describe("How prepare-dataset runs the ROI detector."),
  [detectorPrecisionRunsOn("prepare-dataset")],
);
export type CropDetectorRuntime = z.infer<typeof CropDetectorRuntime>;
