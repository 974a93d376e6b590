import { z } from "zod";
import { defaulted } from "../parameters/storage-path.ts";
import { Aggregation } from "../parameters/submission.ts";
import { defineStage } from "./stage-definition.ts";

/**
 * Merges predict's shards into submission.csv (seed J8) and report.html; `images` gives the
 * report its thumbnails' sources, `labels` (test-set labels) adds pF1, F1 and AUC.
 */
export const aggregate = defineStage({
  name: "aggregate",
  language: "typescript",
  seedJob: "J8",
  inputs: { predictions: "required", csv: "required", images: "optional", labels: "optional" },
  parameters: z.object({
    aggregation: defaulted(Aggregation),
    shards: z.int().min(1).default(1),
  }),
  artifacts: ["submission", "breastProbabilities", "reportTable", "report"],
  sharded: false,
  gpu: false,
  sizing: { cpu: "1", memory: "2Gi", ephemeralStorage: "2Gi", shm: "256Mi", deadlineHours: 1 },
});
