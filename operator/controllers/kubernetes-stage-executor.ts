import { stageJobName } from "../executors/kubernetes/names.ts";
import { observeJob } from "../executors/kubernetes/observe.ts";
import { jobAsObserved } from "../kube/cache-transforms.ts";
import type { KubeObject } from "../kube/client.ts";
import type { StageAction, StageExecutor } from "../loop/executor.ts";
import type { StageObservation } from "../pipeline/observation.ts";
import type { ResourceId } from "../pipeline/stage-plan.ts";
import { isTerminalApiError, rejectedStart } from "./api-errors.ts";
import type { JobObject } from "./caches.ts";
import type { ControllerContext } from "./context.ts";
import type { DeletedJobs } from "./deleted-jobs.ts";
import {
  deleteFinishedJob,
  deleteSupersededJob,
  failedCreateEvents,
  setJobSuspended,
  startStage,
} from "./stage-actions.ts";
import { observeStages } from "./stage-observations.ts";
import type { StagePodProgress } from "./stage-progress.ts";
import type { StartExpectations } from "./start-expectations.ts";

/** What the executor of one reconcile acts through; the expectations and deletions outlive it. */
export interface KubernetesStages {
  context: ControllerContext;
  resource: KubeObject;
  owner: ResourceId;
  expectations: StartExpectations;
  deleted: DeletedJobs;
  progress: StagePodProgress | undefined;
  /** Values of the retry and recheck annotations, which the StageRetried and StageRechecked Events name. */
  retry: string | undefined;
  recheck: string | undefined;
  /** The reconcile's time, when a refused start failed. */
  now: string;
}

/**
 * The loop's executor on a cluster, for one reconcile of one resource: a stage is a Job carrying
 * its request (executors/kubernetes/job.ts; a ConfigMap beside it when large), observed from the informers' caches
 * (executors/kubernetes/observe.ts), started by server-side apply, and deleted, suspended or
 * resumed as the decision asks, each with its Event.
 */
export function kubernetesStageExecutor(stages: KubernetesStages): StageExecutor {
  const { context, resource, owner, expectations, deleted, progress, retry, recheck, now } = stages;
  const { kind, namespace, name } = owner;
  const jobKey = (stageId: string) => `${namespace}/${stageJobName(kind, name, stageId)}`;
  let jobs: Record<string, JobObject> = {};
  const events = {
    supersede: (id: string) => ["StageSuperseded", `stage ${id} runs again for its new request`],
    rerun: (id: string) => ["StageRetried", `stage ${id} runs again (retry ${retry})`],
    recheck: (id: string) => ["StageRechecked", `stage ${id} starts again to re-check its inputs (recheck ${recheck})`],
    suspend: (id: string) => ["StageSuspended", `stage ${id} suspended (spec.suspend)`],
    resume: (id: string) => ["StageResumed", `stage ${id} resumed`],
  } satisfies Record<StageAction, (id: string) => string[]>;
  return {
    async observe(plans) {
      const observed = await observeStages(context.caches, kind, namespace, name, plans, {
        deleted: (uid) => deleted.has(uid),
        events: (job) => failedCreateEvents(context, job),
        now: () => context.now().getTime(),
        ...(progress ? { progress: { of: (pods) => progress.progressOf(pods), intervalMs: progress.intervalMs } } : {}),
      });
      jobs = observed.jobs;
      for (const id of Object.keys(observed.observations)) expectations.observed(jobKey(id));
      return {
        observations: observed.observations,
        leaving: observed.leaving,
        ...(observed.recheckAfterMs !== undefined ? { observeAgainAfterMs: observed.recheckAfterMs } : {}),
      };
    },

    async act(action, id) {
      const job = jobs[id];
      if (!job) return;
      if (action === "supersede" || action === "rerun" || action === "recheck") {
        // A superseded Job may still run: Foreground, so its pods are gone before the new one starts.
        await (action === "supersede" ? deleteSupersededJob : deleteFinishedJob)(context, job);
        deleted.deleting(job.metadata.uid ?? "");
      } else {
        await setJobSuspended(context, job, action === "suspend");
      }
      const [reason = "", message = ""] = events[action](id);
      context.events.record(resource, "Normal", reason, message);
    },

    async start(plan): Promise<StageObservation | undefined> {
      // Started by this replica and not in the cache yet: not again.
      if (expectations.isPending(jobKey(plan.id))) return undefined;
      const applied = await startStage(context, resource, owner, plan);
      expectations.expect(jobKey(plan.id));
      // As the next reconcile will observe it from the cache, without pods yet.
      return observeJob(jobAsObserved(applied), []);
    },

    refused(plan, error) {
      if (!isTerminalApiError(error)) return undefined;
      context.events.record(resource, "Warning", "StageRejected", error.message);
      const job = `the objects of stage ${plan.id} (Job ${stageJobName(kind, name, plan.id)})`;
      return rejectedStart(job, error, now);
    },
  };
}
