import type { StagePlan } from "../../pipeline/stage-plan.ts";
import { LocalPlanError, type LocalStep } from "./local-plan.ts";
import { manifestField, specField } from "./manifest-field.ts";

/** A storage-relative path a stage of the run reads, and the request field that names it. */
export interface RequiredPath {
  path: string;
  /** `Kind/name stage` of the stage that reads it. */
  reader: string;
  /** Where the stage's request names it: `inputs.<name>` or a parameter path. */
  field: string;
  /** `Kind/name spec.<field>` of the manifest that sets it; absent for another stage's output. */
  manifestField?: string;
}

/** The value at `keys` inside a request's parameters, if there is one. */
function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
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
 * and, with `--only`, the outputs of the dependencies planned but not executed.
 */
export function requiredPaths(steps: readonly LocalStep[]): RequiredPath[] {
  const written = steps.filter((s) => s.execute).flatMap((s) => s.stages.map((p) => p.outputDir));
  const required: RequiredPath[] = [];
  for (const step of steps.filter((s) => s.execute)) {
    for (const plan of step.stages) {
      const reader = `${step.resource.kind}/${step.resource.name} ${plan.id}`;
      const named = [
        ...Object.entries(plan.inputs).map(([name, path]) => ({ path, field: `inputs.${name}` })),
        ...parameterPaths(plan),
      ];
      for (const { path, field } of named) {
        if (path === "" || written.some((folder) => inside(path, folder))) continue;
        const spec = specField(step.resource.kind, plan.stage, field);
        const origin = step.origin;
        const set = spec && manifestField(step.resource.kind, step.resource.name, origin, spec);
        required.push({ path, reader, field, ...(set ? { manifestField: set } : {}) });
      }
    }
  }
  return required;
}

export class LocalPreflightError extends LocalPlanError {
  override name = "LocalPreflightError";
}

/**
 * Refuses a run, before its first stage, when any path it needs is absent, naming all of them at
 * once with the stages and fields that need them and the manifest field that sets each; paths the
 * bundled assets provide say so. `gpu` holds the lines of gpuProblems (gpu-preflight.ts), refused
 * in the same message.
 */
export function assertInputsPresent(
  steps: readonly LocalStep[],
  storage: { root: string; exists: (path: string) => boolean; bundled: (path: string) => boolean },
  gpu: readonly string[] = [],
): void {
  const missing = new Map<string, RequiredPath[]>();
  for (const need of requiredPaths(steps)) {
    if (storage.exists(need.path)) continue;
    missing.set(need.path, [...(missing.get(need.path) ?? []), need]);
  }
  if (missing.size === 0 && gpu.length === 0) return;
  const lines = [...missing.entries()].map(([path, needs]) => {
    const readers = needs.map((n) => `${n.reader} (${n.field})`).join(", ");
    const fields = [...new Set(needs.flatMap((n) => (n.manifestField ? [n.manifestField] : [])))];
    const set = fields.length > 0 ? `; named by ${fields.join(", ")}` : "";
    const hint = storage.bundled(path)
      ? "; bundled with mammoflow: run with --link-assets"
      : fields.length > 0
        ? "; put it there or change that field"
        : "";
    return `  ${path}: read by ${readers}${set}${hint}`;
  });
  const found = [
    ...(missing.size > 0 ? [`${missing.size} input(s) missing under ${storage.root}`] : []),
    ...(gpu.length > 0 ? [`${gpu.length} setting(s) need a GPU or TensorRT this machine lacks`] : []),
  ];
  throw new LocalPreflightError(`${found.join(" and ")}; nothing was started:\n${[...lines, ...gpu].join("\n")}`);
}
