// What a planned run reads that no stage of it writes: the user's data, weights and labels. The
// local runner checks these paths before its first stage; the operator, which cannot see the
// volume, computes the same list for a pod that can (jobs/contract/missing-inputs.ts words both).

import type { RequiredInput } from "../../jobs/contract/missing-inputs.ts";
import { at } from "../../jobs/contract/parameter-inputs.ts";
import { manifestField, specField } from "./manifest-field.ts";
import type { ResourceId, StagePlan } from "./stage-plan.ts";

export type { RequiredInput } from "../../jobs/contract/missing-inputs.ts";

/** A resource's planned stages, as the runner or the operator planned them. */
export interface PlannedResource {
  resource: ResourceId;
  stages: StagePlan[];
  /** Whether the run executes the stages (false: a dependency that must already be complete). */
  execute: boolean;
  /** `Kind/name` of the manifest it comes from: itself, or the Reproduction that made it. */
  origin: string;
}

/** Files named by a stage's parameters rather than its inputs (read only in some settings). */
function parameterPaths(plan: StagePlan): { path: string; field: string }[] {
  const p = plan.parameters;
  switch (plan.stage) {
    case "train-fold": {
      // train-fold reads the ImageNet weights only when the run starts from ImageNet.
      const pretrained = at(p, "model", "pretrained");
      return (at(p, "stage", "init") ?? "ImageNet") === "ImageNet" && typeof pretrained === "string"
        ? [{ path: pretrained, field: "parameters.model.pretrained" }]
        : [];
    }
    case "train-detector": {
      // train-detector reads the COCO weights only when it starts from them (init absent or Coco).
      const pretrained = at(p, "training", "pretrained");
      return at(p, "training", "init") !== "Random" && typeof pretrained === "string"
        ? [{ path: pretrained, field: "parameters.training.pretrained" }]
        : [];
    }
    case "prepare-dataset":
      return ((at(p, "datasets") ?? []) as { name: string; rawPath?: string }[]).map((d, i) => ({
        path: d.rawPath ?? `datasets/raw/${d.name}`,
        field: `parameters.datasets[${i}].rawPath`,
      }));
    default:
      return [];
  }
}

const inside = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);

/**
 * Every path the run reads that no stage of this run writes: the user's data, weights and labels,
 * and the outputs of dependencies planned but not executed.
 */
export function requiredPaths(planned: readonly PlannedResource[]): RequiredInput[] {
  const written = planned.filter((s) => s.execute).flatMap((s) => s.stages.map((p) => p.outputDir));
  const required: RequiredInput[] = [];
  for (const step of planned.filter((s) => s.execute)) {
    for (const plan of step.stages) {
      const reader = `${step.resource.kind}/${step.resource.name} ${plan.id}`;
      const named = [
        ...Object.entries(plan.inputs).map(([name, path]) => ({ path, field: `inputs.${name}` })),
        ...parameterPaths(plan),
      ];
      for (const { path, field } of named) {
        if (path === "" || written.some((folder) => inside(path, folder))) continue;
        const spec = specField(step.resource.kind, plan.stage, field);
        const set = spec && manifestField(step.resource.kind, step.resource.name, step.origin, spec);
        required.push({ path, reader, field, ...(set ? { manifestField: set } : {}) });
      }
    }
  }
  return required;
}
