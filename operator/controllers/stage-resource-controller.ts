import { recheckRequest, retryRequest } from "../api/annotations.ts";
import { PROGRESS_LOG_QUERY } from "../executors/kubernetes/pod-progress.ts";
import { resourcePath } from "../kube/client.ts";
import type { ReconcileResult } from "../kube/controller.ts";
import { writeStatusIfChanged } from "../kube/status-writer.ts";
import { reconcileStages } from "../loop/reconcile-stages.ts";
import { firstBlocker } from "../pipeline/dependencies.ts";
import { plansStillToRun } from "../pipeline/gpu-capacity.ts";
import { isFirstStart } from "../pipeline/input-preflight.ts";
import { planParsedStages } from "../pipeline/plan.ts";
import { recheckBlocker, recheckDue } from "../pipeline/recheck.ts";
import type { ResourceId } from "../pipeline/stage-plan.ts";
import { decideStatus, type ResourceStatus } from "../pipeline/status.ts";
import { type ControllerContext, splitKey } from "./context.ts";
import { DeletedJobs } from "./deleted-jobs.ts";
import { viewDependencies } from "./dependency-views.ts";
import { gpuNodesBlocker } from "./gpu-nodes.ts";
import { inputPreflightBlocker, madeByReproduction } from "./input-preflight.ts";
import { kubernetesStageExecutor } from "./kubernetes-stage-executor.ts";
import { recordPhaseChange, recordStageDurations } from "./phase-events.ts";
import { kindType, POD_TYPE } from "./resource-types.ts";
import { readSpec } from "./spec-reading.ts";
import { StagePodProgress } from "./stage-progress.ts";
import { StartExpectations } from "./start-expectations.ts";
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
 * Reconciles a resource that runs stages: read it → check its inputs → one pass of the loop
 * (operator/loop: plan its stages → observe their Jobs → decide the status, the failed stages to
 * retry, the Jobs of earlier requests and the next stage → before a start, check that its GPU
 * stages have nodes, and before the first, that the files its stages read are on the volume
 * (input-preflight.ts), else Blocked → delete, suspend or resume Jobs as decided → start the next
 * stage), with Jobs as its executor (kubernetes-stage-executor.ts) → write the status.
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
    const retry = retryRequest(resource.metadata.annotations);
    const executor = kubernetesStageExecutor({
      context,
      resource,
      owner,
      expectations,
      deleted,
      progress,
      retry,
      recheck,
      now,
    });
    const outcome = await reconcileStages(
      {
        generation: owner.generation,
        now,
        previous,
        ...(blocker ? { blocker } : {}),
        plan: () =>
          planParsedStages(owner, spec, { dependencies, gpuType: context.config.gpuPools[pool]?.gpuType ?? pool }),
        ...(retry !== undefined ? { retry } : {}),
        ...(recheck !== undefined ? { recheck } : {}),
        suspend: spec.suspend,
        // Before a stage starts, the GPU stages still to run must have nodes that can take them;
        // otherwise Blocked, naming the pool and its labels, instead of Jobs Pending forever.
        // Before the first, a pod on the volume must have found every file the stages read
        // (a Reproduction checks its children's before the first starts).
        holdStart: async (decision, plans) => {
          if (!decision.start) return undefined;
          const gpu = gpuNodesBlocker(context, plansStillToRun(plans, decision.start, decision.status.stages));
          if (gpu || !isFirstStart(decision.status.stages ?? []) || madeByReproduction(resource)) return gpu;
          const planned = [{ resource: owner, stages: [...plans], execute: true, origin: `${kind}/${name}` }];
          return inputPreflightBlocker(context, resource, owner, planned, recheck, expectations);
        },
      },
      executor,
    );
    const status = outcome.status;
    if (await writeStatusIfChanged(context.client, path, previous, status)) {
      written.remember(key, readFrom, status);
      recordStageDurations(context, previous, status);
      recordPhaseChange(context, resource, previous, status);
    }
    return outcome.observeAgainAfterMs !== undefined ? { requeueAfterMs: outcome.observeAgainAfterMs } : undefined;
  };
}
