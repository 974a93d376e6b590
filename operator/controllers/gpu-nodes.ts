// The operator's view of the cluster's Nodes, for one question only: can a resource's GPU
// stages ever schedule (pipeline/gpu-capacity.ts)? A Node is mostly bytes that question never
// reads (images, conditions, addresses, node info), so the cache keeps its labels, taints,
// cordon and allocatable resources, nothing else.
import { ALL_KINDS, parseResource } from "../api/index.ts";
import type { GpuPoolConfig } from "../config/schema.ts";
import { type LocalStep, planLocalRun } from "../executors/local/local-plan.ts";
import { type KubeClient, type KubeObject, resourcePath } from "../kube/client.ts";
import { Informer, objectKey } from "../kube/informer.ts";
import type { Logger } from "../log/logger.ts";
import type { Blocker } from "../pipeline/dependencies.ts";
import { GPU_CAPACITY_REASONS, gpuCapacityBlocker, type NodeView, nodeView } from "../pipeline/gpu-capacity.ts";
import type { StagePlan } from "../pipeline/stage-plan.ts";
import type { ResourceStatus } from "../pipeline/status.ts";
import type { Caches } from "./caches.ts";
import type { ControllerContext } from "./context.ts";
import { NODE_TYPE } from "./resource-types.ts";

export type NodeObject = KubeObject & {
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: { allocatable?: Record<string, string> };
};

/** A Node as the capacity check reads it: name, resource version, labels, taints, cordon, allocatable. */
export function nodeAsChecked(node: NodeObject): NodeObject {
  const { name, resourceVersion, labels } = node.metadata;
  const { unschedulable, taints } = node.spec ?? {};
  return {
    metadata: { name, ...(resourceVersion ? { resourceVersion } : {}), ...(labels ? { labels } : {}) },
    spec: { ...(unschedulable ? { unschedulable } : {}), ...(taints ? { taints } : {}) },
    status: { allocatable: node.status?.allocatable ?? {} },
  };
}

/** The Node informer (cluster-wide: Nodes have no namespace), keeping only what the check reads. */
export function nodeInformer(client: KubeClient, log: Logger): Informer<NodeObject> {
  return new Informer<NodeObject>(
    client,
    { path: resourcePath(NODE_TYPE), name: "Node", transform: nodeAsChecked },
    log,
  );
}

/**
 * Why the plans still to run can never schedule on the cluster's Nodes, or undefined (also when
 * the check is off: config.operator.gpuCapacityCheck false, and no Node informer).
 */
export function gpuNodesBlocker(context: ControllerContext, plans: readonly StagePlan[]): Blocker | undefined {
  const nodes = checkedNodes(context);
  return nodes && gpuCapacityBlocker(plans, context.config.gpuPools, nodes);
}

/** The Node informer's view of the nodes; undefined when the check is off or has no informer. */
const checkedNodes = (context: ControllerContext): NodeView[] | undefined =>
  context.caches.nodes && context.config.operator.gpuCapacityCheck
    ? context.caches.nodes.list().map(nodeView)
    : undefined;

/**
 * Why a Reproduction's children could never all run, decided before it creates any: its children
 * planned as the local runner plans them (every input taken as present), the first whose GPU
 * stages no node can take, named with its stage. Children that started already say it themselves.
 */
export function reproductionNodesBlocker(
  reproduction: Pick<KubeObject, "apiVersion" | "metadata" | "spec">,
  pools: Readonly<Record<string, GpuPoolConfig>>,
  nodes: readonly NodeView[],
): Blocker | undefined {
  return childrenNodesBlocker(plannedChildren(reproduction, pools), pools, nodes);
}

function childrenNodesBlocker(
  children: readonly LocalStep[],
  pools: Readonly<Record<string, GpuPoolConfig>>,
  nodes: readonly NodeView[],
): Blocker | undefined {
  for (const step of children) {
    const blocker = gpuCapacityBlocker(step.stages, pools, nodes);
    if (blocker) {
      const child = `${step.resource.kind}/${step.resource.name}`;
      return { reason: blocker.reason, message: `no child created: ${child} cannot start: ${blocker.message}` };
    }
  }
  return undefined;
}

/**
 * A Reproduction's children with their stages, planned as the local runner plans them (every
 * input taken as present), before any child exists: what the GPU check and the input preflight
 * look at. Throws what the planner throws on a spec it cannot expand.
 */
export function plannedChildren(
  reproduction: Pick<KubeObject, "apiVersion" | "metadata" | "spec">,
  pools: Readonly<Record<string, GpuPoolConfig>>,
): LocalStep[] {
  const { name } = reproduction.metadata;
  const manifest = {
    apiVersion: reproduction.apiVersion,
    kind: "Reproduction",
    metadata: { name },
    spec: reproduction.spec,
  };
  return planLocalRun([parseResource(ALL_KINDS, manifest, `Reproduction/${name}`)], {
    gpuTypeOf: (pool) => pools[pool]?.gpuType ?? pool,
  });
}

/** A Reproduction's planned children, or the planner's complaint about its spec. */
export type ChildrenPlan = { children: LocalStep[] } | { error: string };

/**
 * The children planned at most once per reconcile for the two checks before the first child (the
 * GPU check and the input preflight), and only by a check that is on.
 */
export function childrenPlanOnce(
  reproduction: Pick<KubeObject, "apiVersion" | "metadata" | "spec">,
  pools: Readonly<Record<string, GpuPoolConfig>>,
): () => ChildrenPlan {
  let plan: ChildrenPlan | undefined;
  return () => {
    if (!plan) {
      try {
        plan = { children: plannedChildren(reproduction, pools) };
      } catch (error) {
        plan = { error: (error as Error).message };
      }
    }
    return plan;
  };
}

/** reproductionNodesBlocker on the Node informer's view; undefined when the check is off. */
export function reproductionGpuBlocker(
  context: ControllerContext,
  reproduction: KubeObject,
  planned: () => ChildrenPlan,
): Blocker | undefined {
  const nodes = checkedNodes(context);
  if (!nodes) return undefined;
  const plan = planned();
  if ("error" in plan) {
    // A spec the API accepted that the planner cannot expand is left to the children, which
    // report it in their own status; the check must not stop the reproduction from starting.
    context.log.warn({ reproduction: reproduction.metadata.name, err: plan.error }, "GPU check skipped");
    return undefined;
  }
  return childrenNodesBlocker(plan.children, context.config.gpuPools, nodes);
}

/** Whether a status says the resource waits for GPU nodes (not for another resource). */
export function blockedOnGpuNodes(status: ResourceStatus | undefined): { reason: string; message: string } | undefined {
  if (status?.phase !== "Blocked") return undefined;
  const blocked = status.conditions?.find((c) => c.type === "Blocked" && c.status === "True");
  return blocked && GPU_CAPACITY_REASONS.includes(blocked.reason)
    ? { reason: blocked.reason, message: blocked.message }
    : undefined;
}

/**
 * A Node that changed what the check reads (added, labelled, tainted, cordoned, GPUs advertised)
 * reconciles every resource Blocked on GPU nodes; a heartbeat that changed nothing of it does not.
 */
export function watchGpuNodes(caches: Caches, enqueue: (kind: string, key: string) => void): void {
  const nodes = caches.nodes;
  if (!nodes) return;
  const seen = new Map<string, string>();
  nodes.onChange((node, change) => {
    const key = objectKey(node);
    if (change === "delete") {
      seen.delete(key);
      return;
    }
    const view = JSON.stringify(viewWithoutName(nodeView(node)));
    if (seen.get(key) === view) return;
    seen.set(key, view);
    for (const [kind, informer] of caches.kinds) {
      for (const object of informer.list()) {
        if (blockedOnGpuNodes(object.status as ResourceStatus | undefined)) enqueue(kind, objectKey(object));
      }
    }
  });
}

const viewWithoutName = ({ name: _name, ...view }: NodeView) => view;
