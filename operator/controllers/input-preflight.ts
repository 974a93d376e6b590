// The input preflight on a cluster (pipeline/input-preflight.ts decides): the check-inputs Job,
// started and read from the informers' caches like a stage's, before a resource's first stage
// and before a Reproduction creates its first child.
import { stageJobName } from "../executors/kubernetes/names.ts";
import { observeJob } from "../executors/kubernetes/observe.ts";
import type { KubeObject } from "../kube/client.ts";
import type { Blocker } from "../pipeline/dependencies.ts";
import { decidePreflight, preflightPlan, unplannedPreflight } from "../pipeline/input-preflight.ts";
import { type PlannedResource, requiredPaths } from "../pipeline/required-inputs.ts";
import type { ResourceId } from "../pipeline/stage-plan.ts";
import type { ControllerContext } from "./context.ts";
import type { ChildrenPlan } from "./gpu-nodes.ts";
import { startStage } from "./stage-actions.ts";
import type { StartExpectations } from "./start-expectations.ts";

/**
 * What holds `owner` until its preflight has found every path `planned` reads: its Job started
 * when it has none (one per list of paths and recheck value; `expectations`, the reconciler's, keep
 * a start from being repeated before the cache shows its Job), then its outcome. Undefined when
 * nothing is missing, nothing is read from the volume, or config.operator.inputPreflight is off.
 */
export async function inputPreflightBlocker(
  context: ControllerContext,
  resource: KubeObject,
  owner: ResourceId,
  planned: readonly PlannedResource[],
  recheck: string | undefined,
  expectations: StartExpectations,
): Promise<Blocker | undefined> {
  if (!context.config.operator.inputPreflight) return undefined;
  const required = requiredPaths(planned);
  if (required.length === 0) return undefined;
  // A CPU pod sized by its catalogue entry: any configured pool will do for the Job builder.
  const wanted = planned[0]?.stages[0]?.gpuPool ?? "";
  const pool = wanted in context.config.gpuPools ? wanted : (Object.keys(context.config.gpuPools)[0] ?? wanted);
  const plan = preflightPlan(owner, required, recheck, pool);
  const jobName = stageJobName(owner.kind, owner.name, plan.id);
  const jobKey = `${owner.namespace}/${jobName}`;
  const job = context.caches.jobs.get(owner.namespace, jobName);
  if (job) expectations.observed(jobKey);
  // A finished Job being deleted (its TTL) is no answer, and starting over it would apply over the
  // terminating object: wait, as its deletion reconciles the resource again, which then looks anew.
  const observation = job && !job.metadata.deletionTimestamp ? observeJob(job, context.caches.podsOf(job)) : undefined;
  const decision = decidePreflight(plan, required, observation, jobName);
  if (!decision.start || job) return decision.blocker;
  // Started by this replica and not in the cache yet: not again (no second create, no second Event).
  if (expectations.isPending(jobKey)) return decision.blocker;
  const paths = new Set(required.map((r) => r.path)).size;
  await startStage(context, resource, owner, plan, {
    forceRun: true,
    event: {
      reason: "CheckingInputs",
      message: `checking ${paths} input path(s) on the storage volume as Job ${jobName}`,
    },
  });
  expectations.expect(jobKey);
  // CheckingInputs until the cache shows the Job and its pod.
  return decision.blocker;
}

/**
 * The preflight of a Reproduction before its first child: over every child's planned stages (as
 * the GPU check plans them), so that one look names all a reproduction lacks, before hours of
 * its children's work. A spec the planner cannot expand holds it (InputPreflightFailed): its
 * children do not look themselves.
 */
export async function reproductionPreflightBlocker(
  context: ControllerContext,
  reproduction: KubeObject,
  planned: () => ChildrenPlan,
  recheck: string | undefined,
  expectations: StartExpectations,
): Promise<Blocker | undefined> {
  if (!context.config.operator.inputPreflight) return undefined;
  const plan = planned();
  if ("error" in plan) return unplannedPreflight(plan.error);
  const { namespace = "", name } = reproduction.metadata;
  const owner: ResourceId = { kind: "Reproduction", namespace, name };
  return inputPreflightBlocker(context, reproduction, owner, plan.children, recheck, expectations);
}

/** A resource a Reproduction made: the Reproduction checked its inputs before any child started. */
export const madeByReproduction = (resource: KubeObject): boolean =>
  (resource.metadata.ownerReferences ?? []).some((o) => o.controller && o.kind === "Reproduction");
