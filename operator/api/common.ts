import { z } from "zod";

// Shared with the stage parameters, which live in the contract.
export { defaulted, StoragePath } from "../../jobs/contract/parameters/storage-path.ts";

import { StageResourcesByStage } from "./settings/stage-resources.ts";

/** A DNS-1123 subdomain, the name of a Kubernetes object. */
export const ObjectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    message: "must be a lowercase DNS-1123 name (a-z, 0-9, '-', '.')",
  });

/** Reference to another mammoflow resource in the same namespace. */
export const LocalRef = z
  .object({
    name: ObjectName.describe("Name of the referenced resource in the same namespace."),
  })
  .describe("Reference to a resource in the same namespace.");
export type LocalRef = z.infer<typeof LocalRef>;

/**
 * The pool a resource's stages run in when its spec names none, and the one pool the operator
 * configuration has by default: the seed ran on A100s.
 */
export const DEFAULT_GPU_POOL = "a100";

/** Where a stage's pods run: a GPU pool named in the operator configuration. */
export const Placement = z
  .object({
    gpuPool: z
      .string()
      .min(1)
      .max(63)
      .default(DEFAULT_GPU_POOL)
      .describe(
        `Name of a GPU pool from the operator configuration (node affinity, tolerations, GPU resource). \`${DEFAULT_GPU_POOL}\` is the default pool.`,
      ),
    gpusPerPod: z
      .int()
      .min(0)
      .max(16)
      .default(1)
      .describe("GPUs requested by each pod of a GPU stage. 0 runs the stage on CPU nodes."),
    resources: StageResourcesByStage.optional().describe(
      "CPU, memory, ephemeral storage, /dev/shm and deadline per stage name, over the defaults of each stage (docs/cluster-quickstart.md lists them) and of the GPU pool.",
    ),
  })
  .describe("GPU placement of the resource's stages.");
export type Placement = z.infer<typeof Placement>;

/**
 * Holds a resource as batch/v1 Job and JobSet do: while true no stage starts, and the stage Jobs
 * already running are suspended (their pods stop); false again resumes the same Jobs. Neither is
 * a failure nor a new request, so finished stages stay finished.
 */
export const Suspend = z
  .boolean()
  .default(false)
  .describe(
    "While true, no new stage starts and the running stage's Job is suspended (its pods are stopped, as for a suspended batch/v1 Job); setting it back to false resumes the same Job. Finished stages are kept and nothing counts as failed. The status shows phase Suspended and a Suspended condition.",
  );
