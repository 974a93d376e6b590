import { z } from "zod";
import { RequiredInput } from "../missing-inputs.ts";
import { defineStage } from "./stage-definition.ts";

/**
 * The operator's input preflight on a cluster: only a pod that mounts the storage volume can see
 * whether the files a run reads are there. It looks at every path of `required` and reports the
 * missing ones (a finding, not a failure: it exits 0 either way); the operator words them with the
 * fields that name each (missing-inputs.ts). The local runner looks at its folder itself.
 */
export const checkInputs = defineStage({
  name: "check-inputs",
  language: "typescript",
  seedJob: "none (mammoflow's own preflight)",
  inputs: {},
  parameters: z.object({
    required: z
      .array(RequiredInput)
      .min(1)
      .describe("Every path the run reads that none of its stages writes, with the fields that name it."),
  }),
  artifacts: [],
  sharded: false,
  gpu: false,
  // A stat per path: small, and short, so a pod that cannot start (a volume that does not
  // mount) fails its Job in a quarter of an hour instead of waiting for a day.
  sizing: { cpu: "100m", memory: "256Mi", ephemeralStorage: "64Mi", shm: "16Mi", deadlineHours: 0.25 },
});
