import type { CoreV1Event } from "@kubernetes/client-node";
import { needsJobEvents, podlessLongEnough, podlessRecheckMs } from "../executors/kubernetes/job-events.ts";
import { REQUEST_DIGEST_ANNOTATION, stageJobName } from "../executors/kubernetes/names.ts";
import { observeJob } from "../executors/kubernetes/observe.ts";
import type { StageObservation } from "../pipeline/observation.ts";
import { stageDigest } from "../pipeline/request-digest.ts";
import type { StagePlan } from "../pipeline/stage-plan.ts";
import type { Caches, JobObject, PodObject } from "./caches.ts";

export interface StageObserving {
  /** Whether this replica deleted the Job (the cache may show it a moment longer). */
  deleted: (uid: string | undefined) => boolean;
  /** The Job's Events; read only for a running Job without pods (quota, webhook refusals). */
  events: (job: JobObject) => Promise<CoreV1Event[]>;
  now: () => number;
  /** The progress words of a running stage from its pods' logs (stage-progress.ts); absent: not read. */
  progress?: { of: (pods: readonly PodObject[]) => { words?: string; watch: boolean }; intervalMs: number };
}

export interface StageObservations {
  observations: Record<string, StageObservation | undefined>;
  /** The Job of each observed stage. */
  jobs: Record<string, JobObject>;
  /** Stages whose Job of another request is being deleted (status.ts StagesInput.leaving). */
  leaving: string[];
  /** When to look again because some Job has no pods (its Events trigger no reconcile). */
  recheckAfterMs?: number;
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
  const result: StageObservations = { observations: {}, jobs: {}, leaving: [] };
  for (const plan of plans) {
    const jobName = stageJobName(kind, name, plan.id);
    const job = caches.jobs.get(namespace, jobName);
    if (!job) continue;
    if (job.metadata.deletionTimestamp || observing.deleted(job.metadata.uid)) {
      // A Job of the same request going away is a retry (or a person's delete): the stage starts
      // again at once, as before. One of another request holds the name, and maybe pods that
      // still write the stage's folder, until it is gone.
      if (job.metadata.annotations?.[REQUEST_DIGEST_ANNOTATION] !== stageDigest(plan)) result.leaving.push(plan.id);
      continue;
    }
    const pods = caches.podsOf(job);
    const podless = needsJobEvents(job, pods);
    if (podless) {
      const after = podlessRecheckMs(job, observing.now());
      result.recheckAfterMs = Math.min(result.recheckAfterMs ?? after, after);
    }
    const explain = podless && podlessLongEnough(job, observing.now());
    const observation = observeJob(job, pods, explain ? await observing.events(job) : []);
    if (observing.progress && observation.phase === "Running" && !observation.reason && !observation.held) {
      const { words, watch } = observing.progress.of(pods);
      if (words) observation.progress = words;
      // Pods write progress without an event the informers see: look again in an interval.
      if (watch) {
        const after = observing.progress.intervalMs;
        result.recheckAfterMs = Math.min(result.recheckAfterMs ?? after, after);
      }
    }
    result.observations[plan.id] = observation;
    result.jobs[plan.id] = job;
  }
  return result;
}
