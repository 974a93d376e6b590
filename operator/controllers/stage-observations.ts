import type { CoreV1Event } from "@kubernetes/client-node";
import { needsJobEvents } from "../executors/kubernetes/job-events.ts";
import { stageJobName } from "../executors/kubernetes/names.ts";
import { observeJob } from "../executors/kubernetes/observe.ts";
import type { StageObservation } from "../pipeline/observation.ts";
import type { StagePlan } from "../pipeline/stage-plan.ts";
import type { Caches, JobObject } from "./caches.ts";

export interface StageObserving {
  /** Whether this replica deleted the Job (the cache may show it a moment longer). */
  deleted: (uid: string | undefined) => boolean;
  /** The Job's Events; read only for a running Job without pods (quota, webhook refusals). */
  events: (job: JobObject) => Promise<CoreV1Event[]>;
}

export interface StageObservations {
  observations: Record<string, StageObservation | undefined>;
  /** The Job of each observed stage. */
  jobs: Record<string, JobObject>;
  /** Some Job has no pods: its Events do not trigger a reconcile, so look again later. */
  podless: boolean;
}

/** Observations of a resource's stages from the cached Jobs and their pods. */
export async function observeStages(
  caches: Caches,
  kind: string,
  namespace: string,
  name: string,
  plans: readonly StagePlan[],
  observing: StageObserving,
): Promise<StageObservations> {
  const result: StageObservations = { observations: {}, jobs: {}, podless: false };
  for (const plan of plans) {
    const jobName = stageJobName(kind, name, plan.id);
    const job = caches.jobs.get(namespace, jobName);
    if (!job || job.metadata.deletionTimestamp || observing.deleted(job.metadata.uid)) continue;
    const uid = job.metadata.uid;
    const pods = caches.pods
      .list(namespace)
      .filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === uid && o.kind === "Job"));
    const podless = needsJobEvents(job, pods);
    result.podless ||= podless;
    result.observations[plan.id] = observeJob(job, pods, podless ? await observing.events(job) : []);
    result.jobs[plan.id] = job;
  }
  return result;
}
