import { z } from "zod";
import { ResultArtifact } from "../../jobs/contract/result.ts";

/** The most characters a condition's message holds, and paths status.missingInputs lists (the CRD's limits). */
export const CONDITION_MESSAGE_MAX = 32768;
export const MISSING_INPUTS_MAX = 256;

export const Phase = z
  .enum(["Pending", "Blocked", "Running", "Queued", "Suspended", "Succeeded", "Failed"])
  .describe(
    "Pending: accepted, nothing started. Blocked: waiting for an input resource, for nodes of its GPU pool that offer the GPUs its stages ask for (reason NoGpuNodes; checked before a stage starts, and by a Reproduction before its first child), or for the files its stages read (the input preflight before the first stage: reasons CheckingInputs, InputsMissing, InputPreflightFailed). Running: stages in progress. Queued: its current stage's Job waits in a Kueue queue for admission (not admitted yet, or evicted and requeued); for a Reproduction, some of its children are Queued and none runs. Suspended: spec.suspend holds it (no stage starts, its running Job is suspended). Succeeded / Failed: final.",
  );
export type Phase = z.infer<typeof Phase>;

export const ConditionType = z
  .enum(["Ready", "Succeeded", "Failed", "Blocked", "Suspended"])
  .describe(
    "Ready: outputs are available to dependants. Succeeded/Failed: final outcome. Blocked: waiting for inputs (resources or files) or for GPU nodes. Suspended: spec.suspend holds the resource.",
  );

/** Kubernetes-style condition (metav1.Condition). */
export const Condition = z
  .object({
    type: ConditionType,
    status: z.enum(["True", "False", "Unknown"]).describe("Status of the condition."),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe("CamelCase machine-readable reason, e.g. WaitingForDetector."),
    message: z.string().max(CONDITION_MESSAGE_MAX).default("").describe("Human-readable explanation."),
    lastTransitionTime: z.iso.datetime().describe("When status last changed."),
    observedGeneration: z.int().min(0).optional().describe("metadata.generation the condition was computed from."),
  })
  .describe("A condition of the resource.");
export type Condition = z.infer<typeof Condition>;

export const StageStatus = z
  .object({
    name: z.string().min(1).max(63).describe("Stage name, e.g. train-fold or predict."),
    phase: Phase,
    shardsTotal: z.int().min(0).default(1).describe("Shards of the stage (1 unless sharded)."),
    shardsSucceeded: z.int().min(0).default(0).describe("Shards finished successfully."),
    attempts: z.int().min(0).default(0).describe("Pod attempts that failed and were retried."),
    jobName: z.string().max(253).optional().describe("The batch/v1 Job running the stage."),
    startedAt: z.iso.datetime().optional().describe("When the stage started."),
    finishedAt: z.iso.datetime().optional().describe("When the stage finished."),
    message: z.string().max(4096).optional().describe("Last progress or error message of the stage."),
    requestDigest: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe(
        "SHA-256 of the stage's request (stage, inputs and the digests of the stages that wrote them, parameters): the stage this status is about; a spec whose request differs runs the stage again.",
      ),
    requestDigestAdopted: z
      .boolean()
      .optional()
      .describe(
        "The stage finished before its digest was recorded (an older operator, or a status restored from a backup) and requestDigest was computed afterwards: the resources that read its outputs leave it out of their own digests, so recording it re-runs nothing downstream.",
      ),
    outputDigest: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe(
        "Names the outputs of the run that made them (every shard's, from their results): the resources reading them name it in their own requests, so outputs made again differently re-run their readers.",
      ),
    reused: z
      .boolean()
      .optional()
      .describe(
        "How the stage's last run ended when it succeeded: true when its pods found an earlier result standing for its request (its own, inputs' content unchanged, or the same work's from the result cache, named in message) and ran nothing, false when they ran the stage.",
      ),
  })
  .describe("Progress of one stage.");
export type StageStatus = z.infer<typeof StageStatus>;

/** A file or folder the resource produced: the stage contract's artifact, copied from results. */
export const Artifact = ResultArtifact;
export type Artifact = z.infer<typeof Artifact>;

export const Progress = z
  .object({
    stagesSucceeded: z.int().min(0).describe("Stages finished."),
    stagesTotal: z.int().min(0).describe("Stages the resource needs."),
    summary: z.string().max(64).describe("Short form for kubectl, e.g. 2/3."),
  })
  .describe("Overall progress.");

/** Fields every kind's status has (DESIGN.md §3). */
export const BaseStatus = z.object({
  observedGeneration: z.int().min(0).optional().describe("metadata.generation the controller last acted on."),
  phase: Phase.optional(),
  conditions: z
    .array(Condition)
    .max(16)
    .optional()
    .describe("Current conditions (Ready, Succeeded, Failed, Blocked, Suspended).")
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] }),
  startedAt: z.iso.datetime().optional().describe("When the first stage started."),
  finishedAt: z.iso.datetime().optional().describe("When the resource reached a final phase."),
  progress: Progress.optional(),
  stages: z
    .array(StageStatus)
    .max(64)
    .optional()
    .describe("Per-stage progress, in pipeline order.")
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] }),
  artifacts: z.array(Artifact).max(256).optional().describe("Outputs with their content hashes."),
  metrics: z.record(z.string(), z.number()).optional().describe("Numeric results, e.g. oofBestPF1, auc, threshold."),
  observedRetry: z
    .string()
    .max(256)
    .optional()
    .describe(
      "Value of the mammoflow.io/retry annotation the controller last acted on; a failed stage re-runs when the annotation changes to another value.",
    ),
  observedRecheck: z
    .string()
    .max(256)
    .optional()
    .describe(
      "Value of the mammoflow.io/recheck annotation the controller last acted on; a finished resource re-checks its inputs' content when the annotation changes to another value.",
    ),
  missingInputs: z
    .array(z.string().max(1024))
    .max(MISSING_INPUTS_MAX)
    .optional()
    .describe(
      "Paths under the storage root the input preflight did not find (condition Blocked, reason InputsMissing, names the fields behind each); absent once they are all there. A new value of the mammoflow.io/recheck annotation looks again.",
    ),
});
