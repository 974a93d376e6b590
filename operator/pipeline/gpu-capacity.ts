import type { GpuPoolConfig } from "../config/schema.ts";
import type { Blocker } from "./dependencies.ts";
import type { StagePlan } from "./stage-plan.ts";

/** What the decision needs of a Node: its labels, taints, whether it schedules, its GPUs. */
export interface NodeView {
  name: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  unschedulable: boolean;
  /** status.allocatable by resource name (quantities as the API writes them, e.g. "8"). */
  allocatable: Record<string, string>;
}

/** A Node object of the API as the decision reads it; absent fields read as empty. */
export function nodeView(node: {
  metadata?: { name?: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: { allocatable?: Record<string, string> };
}): NodeView {
  return {
    name: node.metadata?.name ?? "",
    labels: node.metadata?.labels ?? {},
    taints: node.spec?.taints ?? [],
    unschedulable: node.spec?.unschedulable === true,
    allocatable: node.status?.allocatable ?? {},
  };
}

/** Whether the pool's selector and required affinity admit the node (the scheduler's label rules). */
function poolAdmits(pool: GpuPoolConfig, node: NodeView): boolean {
  if (!Object.entries(pool.nodeSelector).every(([key, value]) => node.labels[key] === value)) return false;
  return pool.nodeAffinity.every(({ key, operator, values }) => {
    const value = node.labels[key];
    switch (operator) {
      case "In":
        return value !== undefined && values.includes(value);
      case "NotIn":
        return value === undefined || !values.includes(value);
      case "Exists":
        return value !== undefined;
      default:
        return value === undefined; // DoesNotExist
    }
  });
}

/** Whether the pool's tolerations cover every taint that keeps pods off the node. */
function tolerated(pool: GpuPoolConfig, node: NodeView): boolean {
  return node.taints
    .filter((taint) => taint.effect === "NoSchedule" || taint.effect === "NoExecute")
    .every((taint) =>
      pool.tolerations.some(
        (t) =>
          (t.key === undefined || t.key === taint.key) &&
          (t.effect === undefined || t.effect === taint.effect) &&
          (t.operator === "Exists" || t.value === taint.value),
      ),
    );
}

/** The node labels the pool looks for, as the message names them: `a=b, c in (x, y)`; "any labels" when none. */
export function poolLabels(pool: GpuPoolConfig): string {
  const rules = [
    ...Object.entries(pool.nodeSelector).map(([key, value]) => `${key}=${value}`),
    ...pool.nodeAffinity.map(({ key, operator, values }) => {
      switch (operator) {
        case "In":
          return `${key} in (${values.join(", ")})`;
        case "NotIn":
          return `${key} not in (${values.join(", ")})`;
        case "Exists":
          return `${key} set`;
        default:
          return `${key} unset`;
      }
    }),
  ];
  return rules.length === 0 ? "any labels" : rules.join(", ");
}

/** The reasons gpuCapacityBlocker gives: a resource Blocked for one of them waits for Nodes, not for a resource. */
const GPU_CAPACITY_REASON = { noNodes: "NoGpuNodes", unknownPool: "UnknownGpuPool" } as const;

export const GPU_CAPACITY_REASONS: readonly string[] = Object.values(GPU_CAPACITY_REASON);

/** Whole devices of an extended resource ("4"; "0" or an unreadable quantity: none). */
function devices(quantity: string | undefined): number {
  const n = quantity === undefined ? Number.NaN : Number(quantity);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/**
 * Whether the cluster can ever start the GPU stages of a plan, decided before its first Job: for
 * each stage whose pods ask for GPUs, some schedulable node of its pool (selector, required
 * affinity, tolerated taints) must offer at least that many of the pool's GPU resource as
 * allocatable. Otherwise the Job's pods would stay Pending with no end; the blocker says which
 * stage, pool and resource, and the fields to change. Capacity in use is not counted: that is
 * a wait the scheduler (or Kueue) ends, not a spec that cannot run.
 */
export function gpuCapacityBlocker(
  plans: readonly StagePlan[],
  pools: Readonly<Record<string, GpuPoolConfig>>,
  nodes: readonly NodeView[],
): Blocker | undefined {
  for (const plan of plans) {
    if (plan.gpusPerPod === 0) continue;
    const pool = pools[plan.gpuPool];
    if (!pool) {
      return {
        reason: GPU_CAPACITY_REASON.unknownPool,
        message: `stage ${plan.id} needs GPU pool '${plan.gpuPool}', which the operator configuration does not define (known: ${Object.keys(pools).join(", ")}); set spec.placement.gpuPool to one of them`,
      };
    }
    const offered = nodes
      .filter((node) => !node.unschedulable && poolAdmits(pool, node) && tolerated(pool, node))
      .map((node) => devices(node.allocatable[pool.gpuResource]));
    const most = Math.max(0, ...offered);
    if (most >= plan.gpusPerPod) continue;
    const found =
      offered.length === 0
        ? "no schedulable node of the cluster is in that pool"
        : `its ${offered.length} schedulable node(s) offer at most ${most}`;
    return {
      reason: GPU_CAPACITY_REASON.noNodes,
      message: `stage ${plan.id} asks for ${plan.gpusPerPod} ${pool.gpuResource} per pod in GPU pool '${plan.gpuPool}' (spec.placement.gpuPool; the pool's nodes have labels ${poolLabels(pool)}) and ${found}; add such nodes, set spec.placement.gpuPool to a pool that has them, or spec.placement.gpusPerPod: 0 to run on CPU nodes`,
    };
  }
  return undefined;
}

/**
 * What must still schedule when `start` is about to: it and the plans after it, but those whose
 * stage already succeeded (a kept result). Stages that ran are not held to today's nodes.
 */
export function plansStillToRun(
  plans: readonly StagePlan[],
  start: StagePlan,
  stages: readonly { name: string; phase?: string }[] = [],
): StagePlan[] {
  const succeeded = new Set(stages.filter((s) => s.phase === "Succeeded").map((s) => s.name));
  return plans.slice(Math.max(0, plans.indexOf(start))).filter((p) => p === start || !succeeded.has(p.id));
}
