import { z } from "zod";
import { CvSplit } from "../parameters/datasets.ts";
import { defaulted } from "../parameters/storage-path.ts";
import { defineStage } from "./stage-definition.ts";

/** The seed's cross-validation folds (J4) of a prepare-dataset folder or a cleaned_label.csv. */
export const cvSplit = defineStage({
  name: "cv-split",
  language: "python",
  seedJob: "J4",
  inputs: { dataset: "required" },
  parameters: z.object({ cvSplit: defaulted(CvSplit) }),
  artifacts: ["fold_check", "train_fold_{k}", "val_fold_{k}"],
  sharded: false,
  gpu: false,
  sizing: { cpu: "1", memory: "2Gi", ephemeralStorage: "2Gi", shm: "256Mi", deadlineHours: 1 },
});
