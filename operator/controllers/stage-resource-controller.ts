import { recheckRequest, retryRequest } from "../api/annotations.ts";
import { stageJobName } from "../executors/kubernetes/names.ts";
import { PROGRESS_LOG_QUERY } from "../executors/kubernetes/pod-progress.ts";
import { resourcePath } from "../kube/client.ts";
import type { ReconcileResult } from "../kube/controller.ts";
import { writeStatusIfChanged } from "../kube/status-writer.ts";
import { firstBlocker } from "../pipeline/dependencies.ts";
import { plansStillToRun } from "../pipeline/gpu-capacity.ts";
import { planParsedStages } from "../pipeline/plan.ts";
import type { ResourceId } from "../pipeline/stage-plan.ts";
import { recheckBlocker, recheckDue } from "../pipeline/recheck.ts";
import { type Decision, decideStatus, type ResourceStatus, type StagesInput } from "../pipeline/status.ts";
import { isTerminalApiError, rejectedStart } from "./api-errors.ts";
import { type ControllerContext, splitKey } from "./context.ts";
import { DeletedJobs } from "./deleted-jobs.ts";
import { viewDependencies } from "./dependency-views.ts";
import { gpuNodesBlocker } from "./gpu-nodes.ts";
import { recordPhaseChange, recordStageDurations } from "./phase-events.ts";
import { kindType, POD_TYPE } from "./resource-types.ts";
import { readSpec } from "./spec-reading.ts";
import {
  deleteFailedJob,
  deleteSupersededJob,
  failedCreateEvents,
  setJobSuspended,
  startStage,
} from "./stage-actions.ts";
import { observeStages } from "./stage-observations.ts";
import { StagePodProgress } from "./stage-progress.ts";
import { StartExpectations } from "./start-expectations.ts";
import { decideAfterStart } from "./started-status.ts";
import { WrittenStatus } from "./written-status.ts";

/** Reads running stages' progress from their pods' logs, every `operator.progressSeconds` (0: never). */
function podProgress(context: ControllerContext): StagePodProgress | undefined {
  const seconds = context.config.operator.progressSeconds;
  if (seconds === 0) return undefined;
  const read = (namespace: string, pod: string) =>
    context.client.text(resourcePath(POD_TYPE, namespace, pod, "log"), PROGRESS_LOG_QUERY, PROGRESS_READ_TIMEOUT_MS);
  return new StagePodProgress(read, seconds * 1000, () => context.now().getTime());
}

/** A log read that takes longer is dropped (tried again next interval): its node is in trouble. */
const PROGRESS_READ_TIMEOUT_MS = 5_000;

/**
 * Reconciles a resource that runs stages: read it → check its inputs → plan its stages →
 * observe their Jobs → decide the status, the failed stages to retry, the Jobs of earlier
 * requests and the next stage → before a start, check that its GPU stages have nodes (else
 * Blocked) → delete the retried stages' failed Jobs and the superseded Jobs, suspend or resume
 * the running Job for spec.suspend, start the next stage → write the status.
 */
export function stageResourceReconciler(context: ControllerContext, kind: string) {
  const expectations = new StartExpectations();
  const deleted = new DeletedJobs();
  const written = new WrittenStatus<ResourceStatus>();
  const progress = podProgress(context);
  return async (key: string): Promise<ReconcileResult | undefined> => {
    const { namespace, name } = splitKey(key);
    const resource = context.caches.kind(kind).get(namespace, name);
    if (!resource || resource.metadata.deletionTimestamp) return undefined;
    const readFrom = resource.metadata.resourceVersion;
    const previous = written.current(key, readFrom, resource.status as ResourceStatus | undefined);
    const now = context.now().toISOString();
    const owner: ResourceId = { kind, namespace, name, generation: resource.metadata.generation ?? 0 };
    const path = resourcePath(kindType(kind), namespace, name);

    const reading = readSpec(context, kind, resource.spec);
    if (!reading.ok) {
      const { status } = decideStatus({ generation: owner.generation, now, previous, invalidSpec: reading.problem });
      if (await writeStatusIfChanged(context.client, path, previous, status)) written.remember(key, readFrom, status);
      return undefined;
    }
    const { spec } = reading;
    const dependencies = viewDependencies(context.caches, namespace, spec.dependencies);
    const recheck = recheckRequest(resource.metadata.annotations);
    // A recheck waits for the input resources' own rechecks (pipeline/recheck.ts).
    const blocker =
      firstBlocker(dependencies) ?? (recheckDue(recheck, previous) ? recheckBlocker(dependencies) : undefined);
    const pool = spec.placement.gpuPool;
    const plans = blocker
      ? []
      : planParsedStages(owner, spec, { dependencies, gpuType: context.config.gpuPools[pool]?.gpuType ?? pool });
    const observed = await observeStages(context.caches, kind, namespace, name, plans, {
      deleted: (uid) => deleted.has(uid),
      events: (job) => failedCreateEvents(context, job),
      now: () => context.now().getTime(),
      ...(progress ? { progress: { of: (pods) => progress.progressOf(pods), intervalMs: progress.intervalMs } } : {}),
    });
    const retry = retryRequest(resource.metadata.annotations);
    const input: StagesInput = {
      generation: owner.generation,
      now,
      previous,
      ...(blocker ? { blocker } : {}),
      plans,
      observations: observed.observations,
      ...(retry !== undefined ? { retry } : {}),
      ...(observed.leaving.length > 0 ? { leaving: observed.leaving } : {}),
      suspend: spec.suspend,
    };
      ...(recheck !== undefined ? { recheck } : {}),
    let decision: Decision = decideStatus(input);
    // Before a stage starts, the GPU stages still to run must have nodes that can take them;
    // otherwise Blocked, naming the pool and its labels, instead of Jobs Pending forever.
    const gpuBlocker =
      decision.start && gpuNodesBlocker(context, plansStillToRun(plans, decision.start, decision.status.stages));
    if (gpuBlocker) decision = decideStatus({ ...input, blocker: gpuBlocker });
    for (const id of Object.keys(observed.observations)) {
      expectations.observed(`${namespace}/${stageJobName(kind, name, id)}`);
    }
    const start = decision.start;
    const startKey = start && `${namespace}/${stageJobName(kind, name, start.id)}`;
    try {
      for (const id of decision.supersede ?? []) {
        const job = observed.jobs[id];
        if (!job) continue;
        await deleteSupersededJob(context, job);
        deleted.deleting(job.metadata.uid ?? "");
        context.events.record(resource, "Normal", "StageSuperseded", `stage ${id} runs again for its new request`);
      }
      for (const id of decision.rerun ?? []) {
        const job = observed.jobs[id];
        if (!job) continue;
        await deleteFailedJob(context, job);
        deleted.deleting(job.metadata.uid ?? "");
        context.events.record(resource, "Normal", "StageRetried", `stage ${id} runs again (retry ${retry})`);
      }
      for (const [ids, suspend] of [
        [decision.suspend ?? [], true],
        [decision.resume ?? [], false],
      ] as const) {
        for (const id of ids) {
          const job = observed.jobs[id];
          if (!job) continue;
          await setJobSuspended(context, job, suspend);
      for (const id of decision.recheck ?? []) {
        const job = observed.jobs[id];
        if (!job) continue;
        await deleteFailedJob(context, job);
        deleted.deleting(job.metadata.uid ?? "");
        const words = `stage ${id} starts again to re-check its inputs (recheck ${recheck})`;
        context.events.record(resource, "Normal", "StageRechecked", words);
      }
          const what = suspend ? "suspended (spec.suspend)" : "resumed";
          context.events.record(resource, "Normal", suspend ? "StageSuspended" : "StageResumed", `stage ${id} ${what}`);
        }
      }
      if (start && startKey && !expectations.isPending(startKey)) {
        const applied = await startStage(context, resource, owner, start);
        expectations.expect(startKey);
        decision = decideAfterStart(input, start.id, applied);
      }
    } catch (error) {
      // A refusal the same request would get again fails the stage with the server's words;
      // a new value of the retry annotation is what tries again, not a backoff loop.
      if (!start || !isTerminalApiError(error)) throw error;
      const job = `the objects of stage ${start.id} (Job ${stageJobName(kind, name, start.id)})`;
      decision = decideStatus({
        ...input,
        previous: { ...previous, ...(retry !== undefined ? { observedRetry: retry } : {}) },
        observations: { ...observed.observations, [start.id]: rejectedStart(job, error, now) },
      });
      context.events.record(resource, "Warning", "StageRejected", error.message);
    }
    if (await writeStatusIfChanged(context.client, path, previous, decision.status)) {
      written.remember(key, readFrom, decision.status);
      recordStageDurations(context, previous, decision.status);
      recordPhaseChange(context, resource, previous, decision.status);
    }
    return observed.recheckAfterMs !== undefined ? { requeueAfterMs: observed.recheckAfterMs } : undefined;
  };
}
