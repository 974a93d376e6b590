import type { V1Job } from "@kubernetes/client-node";
import { SUSPENDED_ANNOTATION } from "./names.ts";

/**
 * The merge patch that suspends or resumes a running stage Job for its resource's spec.suspend.
 * Suspending sets the Job's own spec.suspend (the Job controller then deletes its active pods
 * and counts none as failed, as Kueue's pre-emption does) and marks it as ours; resuming clears
 * both, so the same Job (same name and uid, same request) carries on. The uid makes the patch
 * apply to this Job only, never to a newer one of the same name.
 */
export function jobSuspensionPatch(job: Pick<V1Job, "metadata">, suspend: boolean) {
  return {
    metadata: {
      uid: job.metadata?.uid,
      annotations: { [SUSPENDED_ANNOTATION]: suspend ? "true" : null },
    },
    spec: { suspend },
  };
}
