import { kindByName } from "../api/index.ts";
import { buildRequestConfigMap, buildStageJob } from "../executors/kubernetes/job.ts";
import { FIELD_MANAGER, stageJobName } from "../executors/kubernetes/names.ts";
import { type KubeObject, resourcePath } from "../kube/client.ts";
import type { ReconcileResult } from "../kube/controller.ts";
import { writeStatusIfChanged } from "../kube/status-writer.ts";
import { setConditions } from "../pipeline/conditions.ts";
import { dependenciesOf, firstBlocker } from "../pipeline/dependencies.ts";
import { planStages } from "../pipeline/plan.ts";
import { stageRequests } from "../pipeline/request.ts";
import type { ResourceId, StagePlan } from "../pipeline/stage-plan.ts";
import { decideStatus, type ResourceStatus } from "../pipeline/status.ts";
import { type ControllerContext, splitKey } from "./context.ts";
import { viewDependencies } from "./dependency-views.ts";
import { recordPhaseChange, recordStageDurations } from "./phase-events.ts";
import { CONFIGMAP_TYPE, JOB_TYPE, kindType } from "./resource-types.ts";
import { observeStages } from "./stage-observations.ts";
import { StartExpectations } from "./start-expectations.ts";
import { WrittenStatus } from "./written-status.ts";

/** A spec the operator cannot act on although the API server accepted it. */
function invalidSpec(context: ControllerContext, kind: string, spec: unknown): { spec?: unknown; problem?: string } {
  const parsed = kindByName(kind)?.spec.safeParse(spec);
  if (!parsed?.success) return { problem: parsed?.error.message ?? `unknown kind ${kind}` };
  const pool = (parsed.data as { placement?: { gpuPool?: string } }).placement?.gpuPool ?? "a100";
  if (!context.config.gpuPools[pool]) {
    return { problem: `GPU pool ${JSON.stringify(pool)} is not in the operator configuration` };
  }
  return { spec: parsed.data };
}

async function startStage(context: ControllerContext, resource: KubeObject, owner: ResourceId, plan: StagePlan) {
  const { namespace = "", name, uid = "" } = resource.metadata;
  const input = {
    owner: { apiVersion: resource.apiVersion ?? "", kind: owner.kind, name, namespace, uid },
    plan,
    requests: stageRequests(owner, plan),
    config: context.config,
  };
  const configMap = buildRequestConfigMap(input);
  const job = buildStageJob(input);
  await context.client.apply(
    resourcePath(CONFIGMAP_TYPE, namespace, configMap.metadata?.name),
    configMap,
    FIELD_MANAGER,
  );
  await context.client.apply(resourcePath(JOB_TYPE, namespace, job.metadata?.name), job, FIELD_MANAGER);
  context.events.record(resource, "Normal", "StageStarted", `stage ${plan.id} started as Job ${job.metadata?.name}`);
}

/**
 * Reconciles a resource that runs stages: read it → check its inputs → plan its stages →
 * observe their Jobs → decide the status and the next stage → start it → write the status.
 */
export function stageResourceReconciler(context: ControllerContext, kind: string) {
  const expectations = new StartExpectations();
  const written = new WrittenStatus<ResourceStatus>();
  return async (key: string): Promise<ReconcileResult | undefined> => {
    const { namespace, name } = splitKey(key);
    const resource = context.caches.kind(kind).get(namespace, name);
    if (!resource || resource.metadata.deletionTimestamp) return undefined;
    const readFrom = resource.metadata.resourceVersion;
    const previous = written.current(key, readFrom, resource.status as ResourceStatus | undefined);
    const now = context.now().toISOString();
    const owner: ResourceId = { kind, namespace, name, generation: resource.metadata.generation ?? 0 };
    const path = resourcePath(kindType(kind), namespace, name);

    const { spec, problem } = invalidSpec(context, kind, resource.spec);
    if (problem) {
      const message = problem.slice(0, 4096);
      const status: ResourceStatus = {
        ...previous,
        observedGeneration: owner.generation,
        phase: "Failed",
        conditions: setConditions(
          previous?.conditions ?? [],
          [
            { type: "Failed", status: "True", reason: "InvalidSpec", message },
            { type: "Ready", status: "False", reason: "InvalidSpec", message },
          ],
          now,
          owner.generation,
        ),
      };
      if (await writeStatusIfChanged(context.client, path, previous, status)) written.remember(key, readFrom, status);
      return undefined;
    }
    const dependencies = viewDependencies(
      context.caches,
      namespace,
      dependenciesOf(kind, spec as Record<string, unknown>),
    );
    const blocker = firstBlocker(dependencies);
    const pool = (spec as { placement: { gpuPool: string } }).placement.gpuPool;
    const plans = blocker
      ? []
      : planStages(owner, spec, { dependencies, gpuType: context.config.gpuPools[pool]?.gpuType ?? pool });
    const observations = observeStages(context.caches, kind, namespace, name, plans);
    const decision = decideStatus({
      generation: owner.generation,
      now,
      previous,
      ...(blocker ? { blocker } : {}),
      plans,
      observations,
    });
    for (const id of Object.keys(observations)) expectations.observed(`${namespace}/${stageJobName(kind, name, id)}`);
    const start = decision.start;
    const startKey = start && `${namespace}/${stageJobName(kind, name, start.id)}`;
    if (start && startKey && !expectations.isPending(startKey)) {
      await startStage(context, resource, owner, start);
      expectations.expect(startKey);
    }
    if (await writeStatusIfChanged(context.client, path, previous, decision.status)) {
      written.remember(key, readFrom, decision.status);
      recordStageDurations(context, previous, decision.status);
      recordPhaseChange(context, resource, previous, decision.status);
    }
    return undefined;
  };
}
