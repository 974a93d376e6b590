import type { V1Job } from "@kubernetes/client-node";
import { KUEUE_QUEUE_LABEL, SUSPENDED_ANNOTATION } from "./names.ts";

/** The label Kueue puts on the Workload it makes for a Job: the Job's uid. */
export const KUEUE_JOB_UID_LABEL = "kueue.x-k8s.io/job-uid";

/**
 * The merge patch that suspends or resumes a running stage Job for its resource's spec.suspend.
 * Suspending sets the Job's own spec.suspend (the Job controller then deletes its active pods
 * and counts none as failed, as Kueue's pre-emption does) and marks it as ours; resuming clears
 * both, so the same Job (same name and uid, same request) carries on. The uid makes the patch
 * apply to this Job only, never to a newer one of the same name. A Job in a Kueue queue is
 * resumed by Kueue when it admits it again: resuming only clears the mark, since a Job
 * unsuspended before admission would start pods outside the queue's quota.
 */
export function jobSuspensionPatch(job: Pick<V1Job, "metadata">, suspend: boolean) {
  const queued = job.metadata?.labels?.[KUEUE_QUEUE_LABEL] !== undefined;
  return {
    metadata: {
      uid: job.metadata?.uid,
      annotations: { [SUSPENDED_ANNOTATION]: suspend ? "true" : null },
    },
    ...(suspend || !queued ? { spec: { suspend } } : {}),
  };
}

/**
 * The merge patch of the Kueue Workload of a queued Job, for its resource's spec.suspend. Kueue
 * starts again any suspended Job whose Workload is admitted, so the Job's spec.suspend alone
 * does not hold it: an inactive Workload is evicted (Kueue suspends the Job and frees its
 * quota) and admitted again once active.
 */
export function workloadActivationPatch(suspend: boolean) {
  return { spec: { active: !suspend } };
}
