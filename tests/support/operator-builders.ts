// Builders for the operator's test objects (JobSet style): start from a sensible default and
// state only what a test is about, e.g. makeJobObject("j").indexed().complete().obj().
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { CompactResult } from "../../operator/pipeline/observation.ts";
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
  obj(): StagePlan {
    return structuredClone(this.plan);
  }
}
export const makePlan = (id: string, stage: StagePlan["stage"]) => new PlanBuilder(id, stage);

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
  options: { exitCode: number; message?: string; index?: number; finishedAt?: string; disrupted?: boolean },
): V1Pod {
  return {
    metadata: {
      name: `${job.metadata?.name}-${options.index ?? 0}-${options.exitCode}`,
      namespace: "ns",
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

/** A compact result as a stage prints it. */
export function compactResultMessage(result: Partial<CompactResult> & Pick<CompactResult, "stage">): string {
  return JSON.stringify({ outcome: "Succeeded", metrics: {}, problems: 0, artifacts: [], truncated: false, ...result });
}
