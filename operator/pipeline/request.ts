import { STAGE_API_VERSION, type StageRequest } from "../../jobs/contract/request.ts";
import { STAGE_CATALOGUE } from "../../jobs/contract/stages.ts";
import { shardDir } from "./layout.ts";
import type { ResourceId, StagePlan } from "./stage-plan.ts";

/**
 * The stage requests of a planned stage: one for an unsharded stage, one per shard of a sharded
 * stage, even when there is a single shard (shard i writes into `<outputDir>/<i>`).
 */
export function stageRequests(owner: ResourceId, plan: StagePlan): StageRequest[] {
  const base = {
    apiVersion: STAGE_API_VERSION,
    stage: plan.stage,
    owner: {
      kind: owner.kind,
      namespace: owner.namespace,
      name: owner.name,
      ...(owner.generation !== undefined ? { generation: owner.generation } : {}),
    },
    inputs: plan.inputs,
    parameters: plan.parameters,
  } satisfies Omit<StageRequest, "outputDir">;
  if (!STAGE_CATALOGUE[plan.stage].sharded) return [{ ...base, outputDir: plan.outputDir }];
  return Array.from({ length: plan.shards }, (_, index) => ({
    ...base,
    outputDir: shardDir(plan.outputDir, index),
    shard: { index, count: plan.shards },
  }));
}
