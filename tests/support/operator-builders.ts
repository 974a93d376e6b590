// Builders for the operator's test objects (JobSet style): start from a sensible default and
// state only what a test is about, e.g. makeJobObject("j").indexed().complete().obj().
import type { CoreV1Event, V1Job, V1Pod } from "@kubernetes/client-node";
import type { CompactResult, StageObservation } from "../../operator/pipeline/observation.ts";
import { stageDigest } from "../../operator/pipeline/request-digest.ts";
import type { StagePlan } from "../../operator/pipeline/stage-plan.ts";
import { parseConfigForTest } from "./operator-config.ts";

export { parseConfigForTest };

class PlanBuilder {
  private plan: StagePlan;
  constructor(id: string, stage: StagePlan["stage"]) {
    this.plan = {
      id,
      stage,
      shards: 1,
      gpusPerPod: 0,
      gpuPool: "a100",
      inputs: {},
      parameters: {},
      outputDir: `runs/ns/Kind/name/${id}`,
    };
  }
  /** gpusPerPod of the stage */
  gpu(n: number) {
    this.plan.gpusPerPod = n;
    return this;
  }
  /** shards of the stage */
  shards(n: number) {
    this.plan.shards = n;
    return this;
  }
  /** outputDir of the stage */
  outputDir(dir: string) {
    this.plan.outputDir = dir;
    return this;
  }
  /** an input of the stage, e.g. another stage's folder */
  input(name: string, path: string) {
    this.plan.inputs[name] = path;
    return this;
  }
  /** parameters of the stage (merged into those set before) */
  parameters(parameters: Record<string, unknown>) {
    Object.assign(this.plan.parameters, parameters);
    return this;
  }
  obj(): StagePlan {
    return structuredClone(this.plan);
  }
}
export const makePlan = (id: string, stage: StagePlan["stage"]) => new PlanBuilder(id, stage);

class ObservationBuilder {
  private observation: StageObservation;
  constructor(phase: StageObservation["phase"], stage: string) {
    this.observation = {
      phase,
      shardsSucceeded: phase === "Succeeded" ? 1 : 0,
      attempts: 0,
      runName: `job-${stage}`,
      startedAt: "2026-01-01T00:00:00.000Z",
      results: [],
    };
    if (phase !== "Running") this.observation.finishedAt = "2026-01-01T01:00:00.000Z";
    if (phase === "Succeeded") this.observation.results = [{ result: { stage, outcome: "Succeeded", artifacts: [] } }];
  }
  /** an artifact the stage reported, with a fixed hash */
  artifact(name: string) {
    this.observation.results[0]?.result.artifacts?.push({ name, sha256: "a".repeat(64) });
    return this;
  }
  /** the Job's failure (or wait) reason and message */
  reason(reason: string, message: string) {
    Object.assign(this.observation, { reason, message });
    return this;
  }
  /** the Job is suspended by the operator for its resource's spec.suspend */
  held() {
    Object.assign(this.observation, { held: true, reason: "Suspended", message: "Job is suspended (spec.suspend)" });
    return this;
  }
  /** when the Job finished */
  finished(at: string) {
    this.observation.finishedAt = at;
    return this;
  }
  /** its pod found the stage's own earlier result standing (inputs' content unchanged) and ran nothing */
  reusedOwnResult() {
    for (const { result } of this.observation.results) result.reused = true;
    return this;
  }
  /** a check-inputs pod's finding: of `checked` paths, `missing` are not on the volume (the first `listed` of them named) */
  foundMissing(checked: number, missing: string[], listed = missing.length) {
    for (const { result } of this.observation.results) {
      result.metrics = { inputsChecked: checked, inputsMissing: missing.length };
      if (listed > 0) result.findings = missing.slice(0, listed);
    }
    return this;
  }
  /** the Job ran `plan`'s request (its request-digest annotation) */
  ranRequestOf(plan: StagePlan) {
    this.observation.requestDigest = stageDigest(plan);
    return this;
  }
  obj(): StageObservation {
    return structuredClone(this.observation);
  }
}
/** What an executor observed of one stage, e.g. makeObservation("Failed", "export-onnx").reason(…).obj(). */
export const makeObservation = (phase: StageObservation["phase"], stage: string) =>
  new ObservationBuilder(phase, stage);

class JobBuilder {
  private job: V1Job;
  constructor(name: string) {
    this.job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name, namespace: "ns", uid: `uid-${name}` },
      spec: { completionMode: "NonIndexed", template: { spec: { containers: [] } } },
      status: {},
    };
  }
  /** spec.completionMode Indexed */
  indexed() {
    (this.job.spec as NonNullable<V1Job["spec"]>).completionMode = "Indexed";
    return this;
  }
  /** status.startTime */
  started(at: string) {
    (this.job.status as object as Record<string, unknown>).startTime = at;
    return this;
  }
  /** status.succeeded / status.failed counts */
  counts(succeeded: number, failed = 0) {
    Object.assign(this.job.status ?? {}, { succeeded, failed });
    return this;
  }
  /** a True condition of the given type */
  condition(type: string, reason: string, message = "", at = "2026-01-01T01:00:00Z") {
    const status = this.job.status as NonNullable<V1Job["status"]>;
    status.conditions = [
      ...(status.conditions ?? []),
      { type, status: "True", reason, message, lastTransitionTime: at as unknown as Date },
    ];
    return this;
  }
  /** status.active: pods the Job controller counts as running or pending */
  active(n: number) {
    Object.assign(this.job.status ?? {}, { active: n });
    return this;
  }
  /** spec.suspend (a Kueue queue holds it) */
  suspended() {
    (this.job.spec as NonNullable<V1Job["spec"]>).suspend = true;
    return this;
  }
  /** suspended by the operator for its resource's spec.suspend (spec.suspend and its annotation) */
  suspendedByResource() {
    const metadata = this.job.metadata as NonNullable<V1Job["metadata"]>;
    metadata.annotations = { ...metadata.annotations, "mammoflow.io/suspended-by-resource": "true" };
    return this.suspended();
  }
  /** metadata.creationTimestamp */
  created(at: string) {
    (this.job.metadata as NonNullable<V1Job["metadata"]>).creationTimestamp = at as unknown as Date;
    return this;
  }
  /** the request-digest annotation: the Job runs `plan`'s request */
  runs(plan: StagePlan) {
    const metadata = this.job.metadata as NonNullable<V1Job["metadata"]>;
    metadata.annotations = { ...metadata.annotations, "mammoflow.io/request-digest": stageDigest(plan) };
    return this;
  }
  /** the Kueue queue label */
  queue(name: string) {
    const metadata = this.job.metadata as NonNullable<V1Job["metadata"]>;
    metadata.labels = { ...metadata.labels, "kueue.x-k8s.io/queue-name": name };
    return this;
  }
  complete(at = "2026-01-01T01:00:00Z") {
    (this.job.status as object as Record<string, unknown>).completionTime = at;
    return this.condition("Complete", "CompletionsReached", "", at);
  }
  obj(): V1Job {
    return structuredClone(this.job);
  }
}
export const makeJobObject = (name: string) => new JobBuilder(name);

/** A finished pod of `job` whose stage container exited with `exitCode` and `message`. */
export function makeFinishedPod(
  job: V1Job,
  options: {
    exitCode: number;
    message?: string;
    index?: number;
    finishedAt?: string;
    disrupted?: boolean;
    createdAt?: string;
  },
): V1Pod {
  return {
    metadata: {
      name: `${job.metadata?.name}-${options.index ?? 0}-${options.exitCode}`,
      namespace: "ns",
      ...(options.createdAt ? { creationTimestamp: options.createdAt as unknown as Date } : {}),
      ownerReferences: [
        { apiVersion: "batch/v1", kind: "Job", name: job.metadata?.name ?? "", uid: job.metadata?.uid ?? "" },
      ],
      ...(options.index !== undefined
        ? { annotations: { "batch.kubernetes.io/job-completion-index": String(options.index) } }
        : {}),
    },
    status: {
      phase: options.exitCode === 0 ? "Succeeded" : "Failed",
      containerStatuses: [
        {
          name: "stage",
          image: "i",
          imageID: "i",
          ready: false,
          restartCount: 0,
          state: {
            terminated: {
              exitCode: options.exitCode,
              ...(options.message !== undefined ? { message: options.message } : {}),
              finishedAt: (options.finishedAt ?? "2026-01-01T01:00:00Z") as unknown as Date,
            },
          },
        },
      ],
    },
  };
}

/** A pod of `job` that has not started: its container waits (`reason`) or no node fits it. */
export function makeWaitingPod(job: V1Job, wait: { waiting?: string; unschedulable?: string; message: string }): V1Pod {
  return {
    metadata: { name: `${job.metadata?.name}-waiting`, namespace: "ns" },
    status: {
      phase: "Pending",
      ...(wait.unschedulable !== undefined
        ? { conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: wait.message }] }
        : {}),
      ...(wait.waiting
        ? {
            containerStatuses: [
              {
                name: "stage",
                image: "registry.example/stage-ts:1",
                imageID: "",
                ready: false,
                restartCount: 0,
                state: { waiting: { reason: wait.waiting, message: wait.message } },
              },
            ],
          }
        : {}),
    },
  };
}

/** An Event the Job controller recorded on `job`, e.g. FailedCreate when the API refused a pod. */
export function makeJobEvent(
  job: V1Job,
  event: { reason: string; message: string; at?: string; count?: number },
): CoreV1Event {
  const at = (event.at ?? "2026-01-01T00:05:00Z") as unknown as Date;
  return {
    metadata: { name: `${job.metadata?.name}.${event.reason.toLowerCase()}`, namespace: "ns" },
    involvedObject: { kind: "Job", name: job.metadata?.name ?? "", namespace: "ns", uid: job.metadata?.uid ?? "" },
    reason: event.reason,
    message: event.message,
    type: "Warning",
    count: event.count ?? 1,
    firstTimestamp: at,
    lastTimestamp: at,
  };
}

/** A compact result as a stage prints it. */
export function compactResultMessage(result: Partial<CompactResult> & Pick<CompactResult, "stage">): string {
  return JSON.stringify({ outcome: "Succeeded", metrics: {}, problems: 0, artifacts: [], truncated: false, ...result });
}
