import type { CoreV1Event, V1Job, V1Pod } from "@kubernetes/client-node";
import { type CompactResult, QUEUED, type StageObservation } from "../../pipeline/observation.ts";
import { STAGE_CONTAINER } from "./job.ts";
import { failedCreateWait } from "./job-events.ts";
import { KUEUE_QUEUE_LABEL, REQUEST_DIGEST_ANNOTATION, SUSPENDED_ANNOTATION } from "./names.ts";
import { podWait } from "./pod-waits.ts";

const COMPLETION_INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";

/** The compact result a stage printed, or undefined when the message is not one (e.g. logs). */
export function parseTerminationMessage(message: string | undefined): CompactResult | undefined {
  if (!message) return undefined;
  try {
    const value = JSON.parse(message) as Partial<CompactResult>;
    if (typeof value.stage !== "string" || (value.outcome !== "Succeeded" && value.outcome !== "Failed")) {
      return undefined;
    }
    return value as CompactResult;
  } catch {
    return undefined;
  }
}

function terminatedStage(pod: V1Pod) {
  return pod.status?.containerStatuses?.find((c) => c.name === STAGE_CONTAINER)?.state?.terminated;
}

function shardOf(pod: V1Pod, indexed: boolean): number | undefined {
  if (!indexed) return undefined;
  const index = pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION];
  return index === undefined ? undefined : Number(index);
}

const toIso = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

/**
 * What a stage's Job and its pods say about the stage: phase from the Job's conditions,
 * results from the pods' termination messages (one per finished shard), the failure reason
 * from the Job's Failed condition and the failed pod's message; why it waits from its pods, or from
 * the Job's FailedCreate `events` when the API refused its pods (read only when needsJobEvents).
 */
export function observeJob(job: V1Job, pods: readonly V1Pod[], events: readonly CoreV1Event[] = []): StageObservation {
  const indexed = job.spec?.completionMode === "Indexed";
  const conditions = job.status?.conditions ?? [];
  const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === "True");
  const complete = isTrue("Complete");
  const failed = isTrue("Failed");
  const suspended = isTrue("Suspended") ?? (job.spec?.suspend ? { reason: "Suspended", message: "" } : undefined);
  const byShard = new Map<string, { shard?: number; result: CompactResult; at: number }>();
  let failedMessage: string | undefined;
  for (const pod of pods) {
    const terminated = terminatedStage(pod);
    if (!terminated) continue;
    const result = parseTerminationMessage(terminated.message);
    if (pod.status?.phase === "Failed" && terminated.exitCode !== 137) {
      failedMessage = result?.error ? `${result.error.reason}: ${result.error.message}` : terminated.message;
    }
    if (!result) continue;
    if (pod.status?.phase !== "Succeeded" && !(failed && result.error)) continue;
    const shard = shardOf(pod, indexed);
    const at = terminated.finishedAt ? new Date(terminated.finishedAt).getTime() : 0;
    const key = `${shard ?? ""}/${pod.status?.phase}`;
    const existing = byShard.get(key);
    if (!existing || existing.at < at) byShard.set(key, { ...(shard !== undefined ? { shard } : {}), result, at });
  }
  const results = [...byShard.values()]
    .sort((a, b) => (a.shard ?? 0) - (b.shard ?? 0))
    .map(({ shard, result }) => (shard === undefined ? { result } : { shard, result }));
  const observation: StageObservation = {
    phase: complete ? "Succeeded" : failed ? "Failed" : "Running",
    shardsSucceeded: job.status?.succeeded ?? 0,
    attempts: job.status?.failed ?? 0,
    ...(job.metadata?.name ? { runName: job.metadata.name } : {}),
    ...(job.metadata?.annotations?.[REQUEST_DIGEST_ANNOTATION]
      ? { requestDigest: job.metadata.annotations[REQUEST_DIGEST_ANNOTATION] }
      : {}),
    results,
  };
  // A stage starts when its Job is made: the Job controller's startTime follows a moment later
  // and would only move the time by that moment, at the cost of one more status write per stage.
  // A Job in a Kueue queue starts when Kueue admits it: its startTime, set then, says when.
  const queued = job.metadata?.labels?.[KUEUE_QUEUE_LABEL] !== undefined;
  const startedAt = toIso(queued ? job.status?.startTime : (job.metadata?.creationTimestamp ?? job.status?.startTime));
  if (startedAt) observation.startedAt = startedAt;
  const finishedAt = toIso(job.status?.completionTime) ?? toIso(failed?.lastTransitionTime);
  if ((complete || failed) && finishedAt) observation.finishedAt = finishedAt;
  if (failed) {
    observation.reason = failed.reason ?? "Failed";
    observation.message = [failed.message, failedMessage].filter(Boolean).join(": ");
  } else if (job.metadata?.annotations?.[SUSPENDED_ANNOTATION] && job.spec?.suspend && !complete) {
    // Suspended by us for its resource's spec.suspend (or being resumed): held, not queued. One
    // that runs again in spite of the mark (Kueue admitted its new Workload) is not held, so the
    // operator suspends it again.
    observation.held = true;
    observation.reason = "Suspended";
    observation.message = `Job ${job.metadata?.name ?? "?"} is suspended (spec.suspend of its resource)`;
  } else if (suspended && !complete) {
    // With a queue label, Kueue holds the Job until its quota admits it: queued, not stopped.
    const queue = job.metadata?.labels?.[KUEUE_QUEUE_LABEL];
    observation.reason = queue ? QUEUED : "Suspended";
    observation.message = queue
      ? `Job ${job.metadata?.name ?? "?"} waits in Kueue queue ${queue} for admission`
      : `Job ${job.metadata?.name ?? "?"} is suspended`;
  } else if (!complete) {
    const wait = podWait(pods) ?? failedCreateWait(job, pods, events);
    if (wait) Object.assign(observation, wait);
  }
  return observation;
}
