import { z } from "zod";
import { PixelConversion } from "../parameters/pixels.ts";
import { RoiSelection } from "../parameters/roi.ts";
import { defaulted } from "../parameters/storage-path.ts";
import { InferenceRuntime } from "../parameters/submission.ts";
import { defineStage } from "./stage-definition.ts";

/** Scores shard i/n of the test set: ROI, crop, window, the ensemble (seed J8). */
export const predict = defineStage({
  name: "predict",
  language: "typescript",
  seedJob: "J8",
  inputs: { detector: "required", engine: "required", csv: "required", images: "required" },
  parameters: z.object({
    roi: defaulted(RoiSelection),
    pixels: defaulted(PixelConversion),
    runtime: defaulted(InferenceRuntime),
  }),
  artifacts: ["probabilities", "thumbnails", "models"],
  sharded: true,
  gpu: true,
  sizing: { cpu: "8", memory: "16Gi", ephemeralStorage: "8Gi", shm: "1Gi", deadlineHours: 12 },
});
