import { z } from "zod";
import { CheckpointSelection } from "../parameters/engine.ts";
import { defaulted } from "../parameters/storage-path.ts";
import { defineStage } from "./stage-definition.ts";
import { StageClassifierModel } from "./stage-parameters.ts";

/** The seed's checkpoint selection over pooled out-of-fold predictions (J6); `fold{k}`: train-fold folders. */
export const selectCheckpoints = defineStage({
  name: "select-checkpoints",
  language: "python",
  seedJob: "J6",
  inputs: { "fold{k}": "optional" },
  parameters: z.object({
    selection: defaulted(CheckpointSelection),
    model: StageClassifierModel.optional(),
  }),
  artifacts: ["fold{k}", "selection"],
  sharded: false,
  gpu: false,
  sizing: { cpu: "2", memory: "8Gi", ephemeralStorage: "4Gi", shm: "256Mi", deadlineHours: 2 },
});
