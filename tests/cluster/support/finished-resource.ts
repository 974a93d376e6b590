// A resource whose stages finished long ago: created, then given the status the operator writes
// when its last stage succeeds, its Jobs since removed (TTL). The operator keeps such a status
// and runs nothing for it (a succeeded stage stays succeeded without its Job), so a test can start
// a pipeline part-way, on data it wrote itself into those stages' folders.
import { kindByName } from "../../../operator/api/index.ts";
import { planStages } from "../../../operator/pipeline/plan.ts";
import type { DependencyView } from "../../../operator/pipeline/stage-plan.ts";
import { createResource, type Resource, resourceUrl } from "./cluster.ts";

export interface FinishedResource {
  /** Where each of its stages' outputs live, by stage id (storage-relative). */
  stageDirs: Record<string, string>;
  /** The view a dependant's plan gets of it. */
  asDependency: (role: string) => DependencyView;
}

export async function createFinishedResource(
  admin: Parameters<typeof createResource>[0],
  namespace: string,
  kind: string,
  name: string,
  spec: Record<string, unknown>,
  dependencies: DependencyView[] = [],
): Promise<FinishedResource> {
  const definition = kindByName(kind);
  if (!definition) throw new Error(`no kind ${kind}`);
  const created = await createResource(admin, namespace, kind, name, spec);
  const generation = created.metadata.generation ?? 1;
  const plans = planStages({ kind, namespace, name, generation }, definition.spec.parse(spec), {
    dependencies,
    gpuType: "a100",
  });
  const now = new Date().toISOString();
  const message = `${plans.length} stage(s) succeeded`;
  const status = {
    observedGeneration: generation,
    phase: "Succeeded",
    startedAt: now,
    finishedAt: now,
    conditions: ["Ready", "Succeeded"].map((type) => ({
      type,
      status: "True",
      reason: "Succeeded",
      message,
      lastTransitionTime: now,
      observedGeneration: generation,
    })),
    progress: { stagesSucceeded: plans.length, stagesTotal: plans.length, summary: `${plans.length}/${plans.length}` },
    stages: plans.map((p) => ({
      name: p.id,
      phase: "Succeeded",
      shardsTotal: p.shards,
      shardsSucceeded: p.shards,
      attempts: 1,
      finishedAt: now,
    })),
  };
  await admin.update<Resource>(`${resourceUrl(namespace, kind, name)}/status`, { ...created, status });
  const stageDirs = Object.fromEntries(plans.map((p) => [p.id, p.outputDir]));
  return {
    stageDirs,
    asDependency: (role) => ({ role, kind, name, phase: "Succeeded", ready: true, stageDirs }),
  };
}
