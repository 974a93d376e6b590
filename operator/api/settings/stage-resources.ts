import { z } from "zod";
import { StageName } from "../../../jobs/contract/stages.ts";
import { withInvariants } from "../rules.ts";

/** A Kubernetes resource quantity (what `kubectl` accepts in requests and limits). */
export const Quantity = z
  .string()
  .max(32)
  .regex(/^([0-9]+(\.[0-9]*)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/, {
    message: "must be a Kubernetes quantity such as 4, 500m, 512Mi or 16Gi",
  });

/**
 * Changes to one stage's pod size; every field left out keeps the stage's default (the stage
 * catalogue, then the GPU pool's override).
 */
export const StageResources = z
  .object({
    cpu: Quantity.optional().describe("CPU request of each pod of the stage."),
    memory: Quantity.optional().describe(
      "Memory request of each pod; the memory limit is this plus `shm` (a memory-backed /dev/shm is charged to the pod's memory).",
    ),
    ephemeralStorage: Quantity.optional().describe("Ephemeral-storage request (scratch space in /tmp)."),
    shm: Quantity.optional().describe("Size of the memory-backed /dev/shm (PyTorch data-loader workers use it)."),
    deadlineHours: z
      .int()
      .min(1)
      .max(24 * 60)
      .optional()
      .describe("Longest the stage's Job may run (activeDeadlineSeconds) before it fails as stuck."),
  })
  .describe("Pod size of one stage.");
export type StageResources = z.infer<typeof StageResources>;

/**
 * The stages a resource runs, whose pods its spec may size. Not the operator's input preflight
 * (check-inputs), sized by its catalogue entry alone: a resource does not run it, and one name
 * more puts the CEL rule below over the API server's cost budget for a CRD (it refused 12 names
 * by 2%).
 */
const STAGE_NAMES = StageName.options.filter((name) => name !== "check-inputs");

/**
 * Pod sizes by stage name. A map rather than one field per stage keeps the CRD and the API
 * reference short; a CEL rule (and the same zod refinement) refuses a key that is no stage, so a
 * typo'd stage name is an error instead of a silently ignored entry.
 */
export const StageResourcesByStage = withInvariants(
  z
    .record(z.string(), StageResources)
    .describe(
      "Pod size per stage name (cpu, memory, ephemeralStorage, shm, deadlineHours), over the stage's defaults; stages the resource does not run are ignored.",
    ),
  [
    {
      cel: `self.all(stage, stage in [${STAGE_NAMES.map((n) => `'${n}'`).join(", ")}])`,
      message: `keys must be stage names: ${STAGE_NAMES.join(", ")}`,
      holds: (value) => Object.keys(value).every((key) => (STAGE_NAMES as readonly string[]).includes(key)),
    },
  ],
);
export type StageResourcesByStage = Partial<Record<StageName, StageResources>>;
