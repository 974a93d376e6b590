import { STAGE_API_VERSION, type StageRequest } from "../../jobs/contract/request.ts";
import { STAGE_CATALOGUE } from "../../jobs/contract/stages.ts";
import { shardDir } from "./layout.ts";
import type { ResourceId, StagePlan } from "./stage-plan.ts";

/**
 * The stage requests of a planned stage: one for an unsharded stage, one per shard of a sharded
 * stage, even when there is a single shard (shard i writes into `<outputDir>/<i>`). Nothing in
 * them depends on the resource's generation: an edit that leaves a stage's work as it was leaves
 * its request byte for byte as it was, so the stage's result and resume state still apply.
 */
export function stageRequests(owner: ResourceId, plan: StagePlan): StageRequest[] {
  const base = {
    apiVersion: STAGE_API_VERSION,
    stage: plan.stage,
    owner: { kind: owner.kind, namespace: owner.namespace, name: owner.name },
    inputs: plan.inputs,
    ...(plan.inputDigests && Object.keys(plan.inputDigests).length > 0 ? { inputDigests: plan.inputDigests } : {}),
    parameters: plan.parameters,
  } satisfies Omit<StageRequest, "outputDir">;
  if (!STAGE_CATALOGUE[plan.stage].sharded) return [{ ...base, outputDir: plan.outputDir }];
  return Array.from({ length: plan.shards }, (_, index) => ({
    ...base,
    outputDir: shardDir(plan.outputDir, index),
    shard: { index, count: plan.shards },
  }));
}
