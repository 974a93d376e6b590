import type { CoreV1Event, V1Job, V1Pod } from "@kubernetes/client-node";
import type { PodWait } from "./pod-waits.ts";

/** Reason of the Event the Job controller records when the API refuses a pod of the Job. */
export const FAILED_CREATE = "FailedCreate";

const finished = (job: V1Job) =>
  (job.status?.conditions ?? []).some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
const unfinishedPod = (pod: V1Pod) => pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
const timeOf = (t: Date | string | undefined) => (t === undefined ? 0 : new Date(t).getTime());
const eventTime = (event: CoreV1Event) => timeOf(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp);

/**
 * Whether only the Job's Events can say why it has no pod: it runs (not finished, not held by
 * Kueue) yet neither the Job nor the cache shows a pod that is about to run. A Job whose pods the
 * API refuses (quota, admission webhook) looks exactly like this, and otherwise looks Running.
 */
export function needsJobEvents(job: V1Job, pods: readonly V1Pod[]): boolean {
  if (finished(job) || job.spec?.suspend) return false;
  return (job.status?.active ?? 0) === 0 && !pods.some(unfinishedPod);
}

/** The Job controller creates pods within a second or two; before that, Events say nothing. */
export const EVENTS_AFTER_MS = 5_000;

/** Whether the Job is old enough for a missing pod to mean something. */
export const podlessLongEnough = (job: V1Job, now: number) =>
  now - timeOf(job.metadata?.creationTimestamp ?? job.status?.startTime) >= EVENTS_AFTER_MS;

/**
 * When to look again at a Job without pods (its Events trigger no reconcile): soon after it was
 * created, then less and less often (a quarter of its age, 15 s to 5 min), so that thousands of
 * Jobs held without pods cost few reads.
 */
export function podlessRecheckMs(job: V1Job, now: number): number {
  const age = Math.max(0, now - timeOf(job.metadata?.creationTimestamp ?? job.status?.startTime));
  return Math.min(300_000, Math.max(15_000, Math.round(age / 4)));
}

/**
 * Why the Job has no pod, from its FailedCreate Events: the newest one recorded after the Job's
 * newest pod (an older refusal was resolved by the pod that followed). Undefined when none.
 */
export function failedCreateWait(
  job: V1Job,
  pods: readonly V1Pod[],
  events: readonly CoreV1Event[],
): PodWait | undefined {
  if (!needsJobEvents(job, pods)) return undefined;
  const newestPod = Math.max(0, ...pods.map((p) => timeOf(p.metadata?.creationTimestamp)));
  const refusal = events
    .filter((e) => e.reason === FAILED_CREATE && e.involvedObject.uid === job.metadata?.uid)
    .filter((e) => eventTime(e) >= newestPod)
    .sort((a, b) => eventTime(b) - eventTime(a))[0];
  if (!refusal) return undefined;
  const times = (refusal.count ?? 1) > 1 ? ` (${refusal.count} times)` : "";
  return { reason: FAILED_CREATE, message: `Job ${job.metadata?.name ?? "?"}${times}: ${refusal.message ?? ""}` };
}
