import { z } from "zod";
import { PixelConversion } from "../parameters/pixels.ts";
import { RoiSelection } from "../parameters/roi.ts";
import { defaulted, StoragePath } from "../parameters/storage-path.ts";
import { InferenceRuntime } from "../parameters/submission.ts";
import { defineStage } from "./stage-definition.ts";

/**
 * How predict runs ONNX Runtime: the API's InferenceRuntime and the settings only a request
 * written by hand (or `mammoflow predict`) carries, which the operator leaves at their defaults.
 */
export const PredictRuntime = InferenceRuntime.safeExtend({
  threads: z.int().min(0).default(0).describe("Intra-op threads of each ONNX Runtime session; 0: one per core."),
  workers: z
    .int()
    .min(0)
    .optional()
    .describe("Threads decoding and preparing images; absent: one per core this process may use."),
  deviceId: z.int().min(0).default(0).describe("GPU ordinal for CUDA and TensorRT."),
  tensorrtEngineCacheDir: StoragePath.optional().describe(
    "Folder of TensorRT engines, so that a build stage can prepare them and predict reuse them.",
  ),
});
export type PredictRuntime = z.output<typeof PredictRuntime>;

/** Scores shard i/n of the test set: ROI, crop, window, the ensemble (seed J8). */
export const predict = defineStage({
  name: "predict",
  language: "typescript",
  seedJob: "J8",
  inputs: { detector: "required", engine: "required", csv: "required", images: "required" },
  parameters: z.object({
    roi: defaulted(RoiSelection),
    pixels: defaulted(PixelConversion),
    runtime: defaulted(PredictRuntime),
  }),
  artifacts: ["probabilities", "thumbnails", "models"],
  sharded: true,
  gpu: true,
  sizing: { cpu: "8", memory: "16Gi", ephemeralStorage: "8Gi", shm: "1Gi", deadlineHours: 12 },
});
