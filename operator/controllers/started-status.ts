import { observeJob } from "../executors/kubernetes/observe.ts";
import { jobAsObserved } from "../kube/cache-transforms.ts";
import { type Decision, decideStatus, type StagesInput } from "../pipeline/status.ts";
import type { JobObject } from "./caches.ts";

/**
 * The decision once stage `stageId` started: its Job as the server stored it (the apply's answer),
 * observed as the next reconcile will observe it from the cache, without pods yet. The status
 * written after a start then already says what that reconcile would say, so it writes nothing:
 * one status write per start, not two (stage Pending, then Running with its Job).
 */
export function decideAfterStart(input: StagesInput, stageId: string, applied: JobObject): Decision {
  const observation = observeJob(jobAsObserved(applied), []);
  return decideStatus({ ...input, observations: { ...input.observations, [stageId]: observation } });
}
