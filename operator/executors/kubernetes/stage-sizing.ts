import type { V1ResourceRequirements } from "@kubernetes/client-node";
import { STAGE_CATALOGUE, type StageSizing } from "../../../jobs/contract/stages.ts";
import type { StageResources, StageResourcesByStage } from "../../api/settings/stage-resources.ts";
import type { StagePlan } from "../../pipeline/stage-plan.ts";
import { addMemory } from "./quantity.ts";

const defined = <T extends object>(value: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * A stage's pod size: the catalogue's default, then the GPU pool's override for the stage, then
 * the resource's own (spec.placement.resources), field by field.
 */
export function stageSizing(plan: StagePlan, poolResources: StageResourcesByStage): StageSizing {
  const fromPool: StageResources | undefined = poolResources[plan.stage];
  return { ...STAGE_CATALOGUE[plan.stage].sizing, ...defined(fromPool), ...defined(plan.resources) };
}

/**
 * Requests for CPU, memory and scratch space (so quota admission and the scheduler see what a
 * stage uses, and the pod is Burstable rather than the first to be evicted), a memory limit that
 * covers the memory-backed /dev/shm, and the GPUs as both request and limit. No CPU limit: a
 * throttled data loader starves the GPU it feeds.
 */
export function containerResources(sizing: StageSizing, gpus?: { resource: string; count: number }) {
  const gpu = gpus && gpus.count > 0 ? { [gpus.resource]: String(gpus.count) } : {};
  return {
    requests: { cpu: sizing.cpu, memory: sizing.memory, "ephemeral-storage": sizing.ephemeralStorage, ...gpu },
    limits: { memory: addMemory(sizing.memory, sizing.shm), ...gpu },
  } satisfies V1ResourceRequirements;
}
