import { stageJobName } from "../executors/kubernetes/names.ts";
import { observeJob } from "../executors/kubernetes/observe.ts";
import type { StageObservation } from "../pipeline/observation.ts";
import type { StagePlan } from "../pipeline/stage-plan.ts";
import type { Caches } from "./caches.ts";

/** Observations of a resource's stages from the cached Jobs and their pods. */
export function observeStages(
  caches: Caches,
  kind: string,
  namespace: string,
  name: string,
  plans: readonly StagePlan[],
): Record<string, StageObservation | undefined> {
  const observations: Record<string, StageObservation | undefined> = {};
  for (const plan of plans) {
    const jobName = stageJobName(kind, name, plan.id);
    const job = caches.jobs.get(namespace, jobName);
    if (!job || job.metadata.deletionTimestamp) continue;
    const uid = job.metadata.uid;
    const pods = caches.pods
      .list(namespace)
      .filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === uid && o.kind === "Job"));
    observations[plan.id] = observeJob(job, pods);
  }
  return observations;
}
