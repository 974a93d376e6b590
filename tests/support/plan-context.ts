// What the planning tests hand operator/pipeline's planStages: the resource planned, and its
// dependencies as Ready (finished) resources whose stage folders follow the storage layout.
import type { DependencyView, ResourceId } from "../../operator/pipeline/stage-plan.ts";

/** A resource of namespace "ns". */
export const resourceId = (kind: string, name: string, generation = 1): ResourceId => ({
  kind,
  namespace: "ns",
  name,
  generation,
});

/** A dependency in role `role` that succeeded, with a folder for each of its `stages`. */
export const readyDependency = (role: string, kind: string, name: string, stages: string[]): DependencyView => ({
  role,
  kind,
  name,
  phase: "Succeeded",
  ready: true,
  stageDirs: Object.fromEntries(stages.map((s) => [s, `runs/ns/${kind}/${name}/${s}`])),
});

/** The planning context: these dependencies, on the default pool's A100s. */
export const planContext = (...dependencies: DependencyView[]) => ({ dependencies, gpuType: "a100" });
