// A stage is its request: the digest of what it is asked to do names it, so an edit that changes
// a request (or the request of a stage whose output it reads) makes a different stage, and one
// that changes nothing it reads keeps the stage and its outputs.
import { canonicalJson, sha256Hex } from "../../jobs/contract/canonical-json.ts";
import type { DependencyView, StagePlan } from "./stage-plan.ts";

/**
 * The identity of a stage's work: stage, shards, inputs with the digests of the stages that
 * wrote them, and parameters. Not the resource's generation (an edit elsewhere in the spec is
 * not a new request), not where its pods run (pool, sizes), and not the stage image, which is
 * operator configuration: a rollout of the operator would otherwise re-run every finished stage.
 */
export function stageDigest(plan: StagePlan): string {
  return sha256Hex(
    canonicalJson({
      stage: plan.stage,
      shards: plan.shards,
      inputs: plan.inputs,
      inputDigests: plan.inputDigests ?? {},
      parameters: plan.parameters,
    }),
  );
}

const within = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/**
 * The plans with `inputDigests`: for each input read from a stage folder (an earlier stage of the
 * same resource, or a dependency's stage whose status records its digest), that stage's request
 * digest. A stage whose input changed is a new request, so everything downstream of an edit runs
 * again, across resources too; inputs from outside the pipeline (datasets, assets) have none.
 */
export function linkInputDigests(plans: readonly StagePlan[], dependencies: readonly DependencyView[]): StagePlan[] {
  const producers: { dir: string; digest: string }[] = dependencies.flatMap((d) =>
    Object.entries(d.stageDigests ?? {}).flatMap(([id, digest]) => {
      const dir = d.stageDirs[id];
      return dir ? [{ dir, digest }] : [];
    }),
  );
  return plans.map((plan) => {
    const inputDigests = Object.fromEntries(
      Object.entries(plan.inputs).flatMap(([name, path]) => {
        const producer = producers.find((p) => within(path, p.dir));
        return producer ? [[name, producer.digest]] : [];
      }),
    );
    const linked: StagePlan = Object.keys(inputDigests).length > 0 ? { ...plan, inputDigests } : plan;
    producers.push({ dir: plan.outputDir, digest: stageDigest(linked) });
    return linked;
  });
}
