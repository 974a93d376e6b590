import { z } from "zod";
import { defineStage } from "./stage-definition.ts";

/** Decodes the labelled DICOMs into the detector's training PNGs (path C), as the seed's J1. */
export const roiImages = defineStage({
  name: "roi-images",
  language: "typescript",
  seedJob: "J1",
  inputs: { labels: "required", dicom: "required" },
  parameters: z.object({
    workers: z
      .int()
      .min(0)
      .optional()
      .describe("Threads decoding images; absent: one per core; 0 or 1 decode in the stage's own thread."),
  }),
  artifacts: ["images", "failures"],
  sharded: false,
  gpu: false,
  sizing: { cpu: "4", memory: "8Gi", ephemeralStorage: "4Gi", shm: "256Mi", deadlineHours: 6 },
});
