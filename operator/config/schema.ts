import { z } from "zod";
import { DEFAULT_GPU_POOL } from "../api/common.ts";
import { StageResourcesByStage } from "../api/settings/stage-resources.ts";

/** Scheduling of one named GPU pool; resources refer to pools by name (DESIGN.md §5). */
export const GpuPoolConfig = z.object({
  nodeSelector: z.record(z.string(), z.string()).default({}).describe("Labels a node of the pool must have."),
  nodeAffinity: z
    .array(
      z.object({
        key: z.string().min(1),
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
        values: z.array(z.string()).default([]),
      }),
    )
    .default([])
    .describe("Required node-affinity match expressions of the pool."),
  tolerations: z
    .array(
      z.object({
        key: z.string().optional(),
        operator: z.enum(["Exists", "Equal"]).default("Exists"),
        value: z.string().optional(),
        effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
      }),
    )
    .default([])
    .describe("Tolerations for the pool's taints."),
  gpuResource: z.string().min(1).default("nvidia.com/gpu").describe("Extended resource name of the GPU."),
  gpuType: z.string().min(1).describe("GPU type, used to name engines (engines are GPU-specific)."),
  resources: StageResourcesByStage.default({}).describe(
    "Pod sizes per stage name for resources placed on this pool, over the stage catalogue's defaults; a resource's spec.placement.resources overrides these.",
  ),
});
export type GpuPoolConfig = z.infer<typeof GpuPoolConfig>;

/** The A100 pool as NVIDIA's GPU feature discovery labels it. */
const DEFAULT_A100_POOL: z.input<typeof GpuPoolConfig> = {
  nodeAffinity: [
    {
      key: "nvidia.com/gpu.product",
      operator: "In",
      values: ["NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-SXM4-80GB", "NVIDIA-A100-PCIE-40GB", "NVIDIA-A100-80GB-PCIe"],
    },
  ],
  tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
  gpuType: "a100",
};

/** Configuration of the operator and the CLI: one file (YAML/JSON) plus environment overrides. */
export const MammoflowConfig = z.object({
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  storage: z
    .object({
      root: z.string().min(1).default("./storage").describe("Local storage root (the local runner)."),
      claimName: z.string().min(1).default("mammoflow-data").describe("RWX PersistentVolumeClaim on a cluster."),
      mountPath: z.string().startsWith("/").default("/data").describe("Where stage pods mount the claim."),
      reuseResultsAcrossNamespaces: z
        .boolean()
        .default(false)
        .describe(
          "Let a stage copy the result of the same work (same stage, parameters and input content) that a resource in another namespace finished on this storage, instead of running it; its status names that namespace. Off by default: a namespace reuses only its own results. Turn it on only when the namespaces sharing the volume may read each other's outputs (stage pods get MAMMOFLOW_REUSE_SCOPE=storage; requests and their digests do not change).",
        ),
    })
    .prefault({}),
  images: z
    .object({
      typescriptStage: z.string().min(1).default("ghcr.io/mammoflow/stage-ts:0.1.0"),
      pythonStage: z.string().min(1).default("ghcr.io/mammoflow/stage-python:0.1.0"),
      pullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).default("IfNotPresent"),
      pullSecrets: z
        .array(z.string().min(1))
        .default([])
        .describe("Secrets (in each resource's namespace) that stage pods pull their images with."),
    })
    .prefault({}),
  gpuPools: z.record(z.string(), GpuPoolConfig).default({ [DEFAULT_GPU_POOL]: GpuPoolConfig.parse(DEFAULT_A100_POOL) }),
  kueue: z
    .object({ queueName: z.string().min(1).optional().describe("LocalQueue for stage Jobs; unset disables Kueue.") })
    .prefault({}),
  jobs: z
    .object({
      backoffLimit: z.int().min(0).default(3),
      ttlSecondsAfterFinished: z.int().min(0).default(86400),
    })
    .prefault({}),
  operator: z
    .object({
      namespace: z.string().optional().describe("Namespace to watch; unset watches all namespaces."),
      metricsPort: z.int().min(0).max(65535).default(8080).describe("0 picks a free port."),
      healthPort: z.int().min(0).max(65535).default(8081).describe("0 picks a free port."),
      leaderElection: z.boolean().default(true),
      leaderElectionNamespace: z
        .string()
        .optional()
        .describe(
          "Namespace of the leader Lease; defaults to $POD_NAMESPACE, else the watched namespace, else default.",
        ),
      leaseDurationSeconds: z.int().min(1).default(15).describe("How long a leader's Lease is valid without renewal."),
      renewDeadlineSeconds: z.int().min(1).default(10).describe("How long a leader retries renewing before it stops."),
      retryPeriodSeconds: z.int().min(1).default(2).describe("How often the Lease is acquired or renewed."),
      workers: z.int().min(1).max(64).default(4).describe("Concurrent reconciles per kind."),
      resyncSeconds: z.int().min(0).default(600),
      progressSeconds: z
        .int()
        .min(0)
        .default(30)
        .describe(
          "How often a running stage's latest progress event is read from its pod's log into the resource's status (so at most one status write per resource per period); 0 turns it off.",
        ),
      gpuCapacityCheck: z
        .boolean()
        .default(true)
        .describe(
          "Before a resource's next stage starts, check that some node of each remaining GPU stage's pool offers the GPUs it asks for (a Node informer: needs get/list/watch on nodes); otherwise the resource is Blocked (NoGpuNodes) instead of holding Jobs that can never schedule. false skips the check.",
        ),
      inputPreflight: z
        .boolean()
        .default(true)
        .describe(
          "Before a resource's first stage (and a Reproduction's first child), run the check-inputs stage as a Job that mounts the storage volume and looks for every file and folder the run reads that none of its stages writes; while it runs the resource is Blocked (CheckingInputs), when paths are missing Blocked (InputsMissing, each named with the manifest field behind it, status.missingInputs), when the Job fails Blocked (InputPreflightFailed). A new value of the mammoflow.io/recheck annotation checks again. false skips it: a missing file then fails the stage that reads it.",
        ),
      events: z
        .object({
          stageStarts: z
            .boolean()
            .default(false)
            .describe(
              "Record a StageStarted Event on the resource each time a stage's Job starts. Off by default: a start is in status.stages[].startedAt and in the Job's own Events, and the Event would be a third API write per start. Phase changes (Succeeded, Failed, Blocked, …) and warnings are always recorded; the change to Running that a start causes is not, either way.",
            ),
        })
        .prefault({}),
    })
    .prefault({}),
});
export type MammoflowConfig = z.infer<typeof MammoflowConfig>;
