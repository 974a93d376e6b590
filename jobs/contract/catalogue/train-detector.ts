import { z } from "zod";
import { DetectorInit, DetectorTraining } from "../parameters/detector-training.ts";
import { defaulted } from "../parameters/storage-path.ts";
import { defineStage } from "./stage-definition.ts";

/** YOLOX-nano breast-ROI training (seed J2), resumable. */
export const trainDetector = defineStage({
  name: "train-detector",
  language: "python",
  seedJob: "J2",
  inputs: { roiDataset: "required" },
  parameters: z.object({
    training: defaulted(
      DetectorTraining.extend({
        // null: YOLOX's own initialisation, for trial runs without the COCO weights.
        pretrained: DetectorTraining.shape.pretrained.nullable(),
        // The API writes no default (the requests of existing resources stay); absent is Coco.
        init: DetectorInit.unwrap().default("Coco"),
      }),
    ),
    // Not in the API (yet): the pod's loader workers, resume checkpoints, deterministic kernels.
    dataLoaderWorkers: z.int().min(0).default(4),
    checkpointEverySteps: z.int().min(1).default(50),
    deterministic: z.boolean().default(false),
  }),
  artifacts: ["best_ckpt.pth", "latest_ckpt.pth", "history.json"],
  sharded: false,
  gpu: true,
  sizing: { cpu: "8", memory: "32Gi", ephemeralStorage: "20Gi", shm: "16Gi", deadlineHours: 48 },
});
