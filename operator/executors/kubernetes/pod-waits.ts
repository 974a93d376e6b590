import type { V1Pod } from "@kubernetes/client-node";

/**
 * Container waiting reasons that do not go away by themselves: the image cannot be pulled, or the
 * container cannot be created from the pod's spec. A pod in one of them looks Pending forever.
 */
const STUCK_WAITING_REASONS = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "ErrImageNeverPull",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
]);

export interface PodWait {
  reason: string;
  message: string;
}

/**
 * Why the stage's unfinished pods are not running, if a pod says so: a stuck container (image
 * pull, container creation) or a scheduler that found no node. Undefined when every pod is
 * running or simply starting.
 */
export function podWait(pods: readonly V1Pod[]): PodWait | undefined {
  for (const pod of pods) {
    const name = pod.metadata?.name ?? "?";
    if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") continue;
    for (const container of pod.status?.containerStatuses ?? []) {
      const waiting = container.state?.waiting;
      if (waiting?.reason && STUCK_WAITING_REASONS.has(waiting.reason)) {
        const image = container.image ? ` (image ${container.image})` : "";
        return { reason: waiting.reason, message: `pod ${name}${image}: ${waiting.message ?? waiting.reason}` };
      }
    }
    const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (scheduled?.status === "False" && scheduled.reason === "Unschedulable") {
      return { reason: "Unschedulable", message: `pod ${name}: ${scheduled.message ?? "no node fits"}` };
    }
  }
  return undefined;
}
