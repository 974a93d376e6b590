import { z } from "zod";
import { StoragePath } from "../parameters/storage-path.ts";
import { defineStage } from "./stage-definition.ts";

/**
 * The detector's COCO set from YOLOv5 labels and decoded PNGs (seed J1). The inputs `labels` and
 * `images` may instead be given as storage paths in `parameters.training` (the API's
 * DetectorTraining names); only the labels have a default there, the seed's checked-in boxes.
 */
export const roiDataset = defineStage({
  name: "roi-dataset",
  language: "python",
  seedJob: "J1",
  inputs: { labels: "optional", images: "optional" },
  parameters: z.object({
    training: z
      .object({
        labels: StoragePath.default("assets/data/roi_det_yolov5_format"),
        images: StoragePath.optional(),
      })
      .prefault({}),
  }),
  artifacts: ["coco", "trainAnnotations", "valAnnotations"],
  sharded: false,
  gpu: false,
  sizing: { cpu: "1", memory: "2Gi", ephemeralStorage: "2Gi", shm: "256Mi", deadlineHours: 2 },
});
