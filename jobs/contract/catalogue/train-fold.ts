import { z } from "zod";
import { ClassifierTraining, TrainingStage } from "../parameters/classifier.ts";
import { defaulted } from "../parameters/storage-path.ts";
import { defineStage } from "./stage-definition.ts";
import { StageClassifierModel } from "./stage-parameters.ts";

/**
 * One training run of one fold (seed J5), resumable. `previous` is the previous run's folder,
 * read for `stage.init = PreviousStage`.
 */
export const trainFold = defineStage({
  name: "train-fold",
  language: "python",
  seedJob: "J5",
  inputs: { crops: "required", split: "required", previous: "optional" },
  parameters: z.object({
    fold: z.int().min(0),
    numFolds: z.int().min(2).default(4),
    model: defaulted(StageClassifierModel),
    training: defaulted(ClassifierTraining),
    stage: TrainingStage,
    // Not in the API: tests switch the seed's augmentation off to compare runs exactly.
    augment: z.boolean().default(true),
  }),
  artifacts: ["checkpoint-{k}.pth.tar", "summary", "results"],
  sharded: false,
  gpu: true,
  sizing: {
    cpu: "8",
    memory: "48Gi",
    ephemeralStorage: "20Gi",
    shm: "32Gi",
    deadlineHours: 120,
    terminationGraceSeconds: 120,
  },
});
