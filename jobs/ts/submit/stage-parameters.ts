import { z } from "zod";
import { PixelParameters } from "../dicom/convert/parameters.ts";
import { RoiParameters } from "../roi/parameters.ts";

// The stage parameters the operator sends (operator/pipeline/kinds/submission.ts), validated
// here with the API's names; fields left out take the seed's values.

export const RuntimeParameters = z
  .object({
    executionProvider: z.enum(["Auto", "Cpu", "Cuda", "TensorRT"]),
    /** The ROI detector's precision (roi/precision.ts); the classifier runs its engine's own. */
    detectorPrecision: z.enum(["Auto", "Fp32", "Fp16"]),
    batchSize: z.int().min(1).max(256),
    shards: z.int().min(1),
    threads: z.int().min(0),
    /** Worker threads decoding and preparing images (default: one per core). */
    workers: z.int().min(0),
    deviceId: z.int().min(0),
    /** Relative to the storage root, like every path of a request. */
    tensorrtEngineCacheDir: z.string().min(1),
  })
  .partial();

export const PredictParameters = z.object({
  roi: RoiParameters.default({}),
  pixels: PixelParameters.default({}),
  runtime: RuntimeParameters.default({}),
});
export type PredictParameters = z.infer<typeof PredictParameters>;

export const AggregateParameters = z.object({
  aggregation: z
    .object({
      threshold: z.number().min(0).max(1),
      autoThreshold: z.boolean(),
      autoThresholdQuantile: z.number().gt(0).lt(1),
      breastReduction: z.enum(["Mean", "Max"]),
    })
    .partial()
    .default({}),
  shards: z.int().min(1).default(1),
});
export type AggregateParameters = z.infer<typeof AggregateParameters>;
