import type { V1ConfigMap, V1Job, V1OwnerReference, V1Toleration } from "@kubernetes/client-node";
import { EXIT_PERMANENT_FAILURE } from "../../../jobs/contract/exit-codes.ts";
import type { StageRequest } from "../../../jobs/contract/request.ts";
import { FORCE_RUN_ENV, REUSE_SCOPE_ENV } from "../../../jobs/contract/reuse.ts";
import { STAGE_CATALOGUE, stageEntryPoint } from "../../../jobs/contract/stages.ts";
import type { MammoflowConfig } from "../../config/schema.ts";
import { stageDigest } from "../../pipeline/request-digest.ts";
import type { StagePlan } from "../../pipeline/stage-plan.ts";
import {
  KIND_LABEL,
  KUEUE_QUEUE_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  REQUEST_DIGEST_ANNOTATION,
  RESOURCE_LABEL,
  STAGE_ID_LABEL,
  STAGE_LABEL,
  stageJobName,
  stageRequestConfigMapName,
} from "./names.ts";
import {
  REQUEST_MOUNT_PATH,
  requestAnnotations,
  requestCarrier,
  requestFileName,
  requestFiles,
  requestVolume,
} from "./request-volume.ts";
import { containerResources, stageSizing } from "./stage-sizing.ts";

/** Kubernetes' own default terminationGracePeriodSeconds. */
const DEFAULT_TERMINATION_GRACE_SECONDS = 30;
export const STAGE_CONTAINER = "stage";
/** Non-root user of the stage images (docker/). */
export const STAGE_UID = 1000;
/** Where the stage writes its compact result; the kubelet returns it as the termination message. */
export const TERMINATION_LOG = "/dev/termination-log";
/** HOME and library caches on the writable /tmp emptyDir (the root file system is read-only). */
const SCRATCH = "/tmp";

export interface StageJobInput {
  owner: { apiVersion: string; kind: string; name: string; namespace: string; uid: string };
  plan: StagePlan;
  /** One request per shard (one for unsharded stages), from pipeline/request.ts. */
  requests: readonly StageRequest[];
  config: MammoflowConfig;
  /**
   * The stage runs whatever result its folder holds (MAMMOFLOW_FORCE_RUN): the input preflight
   * must look at the volume every time it is started, not stand an earlier look.
   */
  forceRun?: boolean;
}

export class UnknownGpuPoolError extends Error {
  override name = "UnknownGpuPoolError";
}

function ownerReference(owner: StageJobInput["owner"]): V1OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.name,
    uid: owner.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function labels(input: StageJobInput): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [KIND_LABEL]: input.owner.kind,
    [RESOURCE_LABEL]: input.owner.name,
    [STAGE_LABEL]: input.plan.stage,
    [STAGE_ID_LABEL]: input.plan.id,
  };
}

/**
 * Whether a built stage Job reads its request from a ConfigMap: only when the files were too large
 * to travel in its pod template (request-volume.ts requestCarrier, decided once in buildStageJob).
 * The caller creates it before the Job: a Job whose ConfigMap failed would hold pods that cannot start.
 */
export function needsRequestConfigMap(job: V1Job): boolean {
  return job.spec?.template.spec?.volumes?.some((v) => v.name === "request" && v.configMap !== undefined) ?? false;
}

/**
 * The request files of a stage too large for the Job (needsRequestConfigMap). A file rather than
 * an environment variable: the stage reads `--request FILE` exactly as the local runner passes
 * it. Immutable and named by the request's digest, so a new request of the stage is a new
 * ConfigMap instead of a refused update of the old one.
 */
export function buildRequestConfigMap(input: StageJobInput): V1ConfigMap {
  const digest = stageDigest(input.plan);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: stageRequestConfigMapName(input.owner.kind, input.owner.name, input.plan.id, digest),
      namespace: input.owner.namespace,
      labels: labels(input),
      annotations: { [REQUEST_DIGEST_ANNOTATION]: digest },
      ownerReferences: [ownerReference(input.owner)],
    },
    immutable: true,
    data: requestFiles(input.requests),
  };
}

/** The stage's command line: the same entry points the local runner calls (DESIGN.md §4). */
export function stageCommand(plan: StagePlan): string[] {
  const sharded = STAGE_CATALOGUE[plan.stage].sharded;
  // The Job controller sets JOB_COMPLETION_INDEX in the container's env, so $(...) expands.
  const file = `${REQUEST_MOUNT_PATH}/${sharded ? "request-$(JOB_COMPLETION_INDEX).json" : requestFileName()}`;
  const entry = stageEntryPoint(plan.stage, file);
  return [entry.program, ...entry.args];
}

/** A batch/v1 Job running one stage (Indexed for sharded stages), ready for server-side apply. */
export function buildStageJob(input: StageJobInput): V1Job {
  const { plan, config } = input;
  const pool = config.gpuPools[plan.gpuPool];
  if (!pool) {
    throw new UnknownGpuPoolError(
      `GPU pool ${JSON.stringify(plan.gpuPool)} is not configured (known: ${Object.keys(config.gpuPools).join(", ")})`,
    );
  }
  const catalogue = STAGE_CATALOGUE[plan.stage];
  const name = stageJobName(input.owner.kind, input.owner.name, plan.id);
  const digest = stageDigest(plan);
  const usesGpu = plan.gpusPerPod > 0;
  const sizing = stageSizing(plan, pool.resources);
  const terminationGrace = sizing.terminationGraceSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS;
  const image = config.images[catalogue.image];
  const queue = config.kueue.queueName;
  const matchExpressions = [
    ...Object.entries(pool.nodeSelector).map(([key, value]) => ({ key, operator: "In", values: [value] })),
    ...pool.nodeAffinity.map((e) => ({
      key: e.key,
      operator: e.operator,
      ...(e.values.length ? { values: e.values } : {}),
    })),
  ];
  const tolerations: V1Toleration[] = pool.tolerations.map((t) => ({ ...t }));
  const files = requestFiles(input.requests);
  const inline = requestCarrier(files) === "annotations";
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      namespace: input.owner.namespace,
      labels: { ...labels(input), ...(queue ? { [KUEUE_QUEUE_LABEL]: queue } : {}) },
      // Which request this Job runs: a Job of another request is superseded, not the stage's outcome.
      annotations: { [REQUEST_DIGEST_ANNOTATION]: digest },
      ownerReferences: [ownerReference(input.owner)],
    },
    spec: {
      ...(queue ? { suspend: true } : {}),
      completions: plan.shards,
      parallelism: plan.shards,
      completionMode: catalogue.sharded ? "Indexed" : "NonIndexed",
      // Shards retry on their own; a shard out of retries fails the stage at once (the shards
      // already done keep their result.json, which a re-run reuses).
      ...(catalogue.sharded
        ? { backoffLimitPerIndex: config.jobs.backoffLimit, maxFailedIndexes: 0 }
        : { backoffLimit: config.jobs.backoffLimit }),
      activeDeadlineSeconds: sizing.deadlineHours * 3600,
      ttlSecondsAfterFinished: config.jobs.ttlSecondsAfterFinished,
      // A replacement GPU pod starts only once the old one is gone, so they never both hold GPUs.
      podReplacementPolicy: "Failed",
      podFailurePolicy: {
        rules: [
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
          {
            action: "FailJob",
            onExitCodes: { containerName: STAGE_CONTAINER, operator: "In", values: [EXIT_PERMANENT_FAILURE] },
          },
        ],
      },
      template: {
        // The request's files, when small: each pod reads them through the "request" volume.
        metadata: { labels: labels(input), ...(inline ? { annotations: requestAnnotations(files) } : {}) },
        spec: {
          restartPolicy: "Never",
          terminationGracePeriodSeconds: terminationGrace,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(config.images.pullSecrets.length
            ? { imagePullSecrets: config.images.pullSecrets.map((name) => ({ name })) }
            : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: STAGE_UID,
            runAsGroup: STAGE_UID,
            fsGroup: STAGE_UID,
            // Only a volume whose root has another group is walked and chowned: the shared
            // volume holds the whole dataset, and a recursive chown per pod would take hours.
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
          },
          // CPU stages run off the GPU pool: no pool affinity, no tolerations of its taints.
          ...(usesGpu && matchExpressions.length
            ? {
                affinity: {
                  nodeAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] },
                  },
                },
              }
            : {}),
          ...(usesGpu && tolerations.length ? { tolerations } : {}),
          containers: [
            {
              name: STAGE_CONTAINER,
              image,
              imagePullPolicy: config.images.pullPolicy,
              command: stageCommand(plan),
              env: [
                { name: "MAMMOFLOW_STORAGE_ROOT", value: config.storage.mountPath },
                { name: "MAMMOFLOW_STAGE_ID", value: plan.id },
                { name: "MAMMOFLOW_TERMINATION_LOG", value: TERMINATION_LOG },
                // How long the stage may take to save its state on SIGTERM (shutdown.py).
                { name: "MAMMOFLOW_TERMINATION_GRACE_SECONDS", value: String(terminationGrace) },
                // The operator's consent to copy other namespaces' results (jobs/contract/reuse.ts).
                ...(config.storage.reuseResultsAcrossNamespaces ? [{ name: REUSE_SCOPE_ENV, value: "storage" }] : []),
                ...(input.forceRun ? [{ name: FORCE_RUN_ENV, value: "1" }] : []),
                { name: "HOME", value: SCRATCH },
                { name: "XDG_CACHE_HOME", value: `${SCRATCH}/.cache` },
              ],
              resources: containerResources(
                sizing,
                usesGpu ? { resource: pool.gpuResource, count: plan.gpusPerPod } : undefined,
              ),
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
              },
              terminationMessagePath: TERMINATION_LOG,
              terminationMessagePolicy: "FallbackToLogsOnError",
              volumeMounts: [
                { name: "data", mountPath: config.storage.mountPath },
                { name: "request", mountPath: REQUEST_MOUNT_PATH, readOnly: true },
                { name: "dshm", mountPath: "/dev/shm" },
                { name: "tmp", mountPath: "/tmp" },
              ],
            },
          ],
          volumes: [
            { name: "data", persistentVolumeClaim: { claimName: config.storage.claimName } },
            requestVolume(files, stageRequestConfigMapName(input.owner.kind, input.owner.name, plan.id, digest)),
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: sizing.shm } },
            { name: "tmp", emptyDir: {} },
          ],
        },
      },
    },
  };
}
