import { classifierFoldKind } from "../../api/kinds/classifier-fold.ts";
import { type EngineBuild, engineBuildKind } from "../../api/kinds/engine-build.ts";
import type { ResourceId, StagePlan } from "../stage-plan.ts";
import { TRAIN_FOLD_PREFIX } from "./classifier-fold.ts";
import { makeStage } from "./make-stage.ts";
import { registerKind } from "./registered-kind.ts";

type Spec = EngineBuild["spec"];

/** The last training run's folder of each fold, in fold order. */
function foldCheckpointDirs(spec: Spec, dependencies: ReadonlyMap<string, Record<string, string>>) {
  return Object.fromEntries(
    (spec.folds ?? []).map((_ref, i) => {
      const dirs = dependencies.get(`fold${i}`) ?? {};
      const runs = Object.keys(dirs).filter((id) => id.startsWith(TRAIN_FOLD_PREFIX));
      const last = runs.sort().at(-1);
      if (!last) throw new Error(`fold${i} has no training run`);
      return [`fold${i}`, dirs[last] as string];
    }),
  );
}

/** Folds: select-checkpoints, export-onnx, build-engine. Trained: export the given checkpoints. */
export function planEngineBuild(
  resource: ResourceId,
  spec: Spec,
  dependencies: ReadonlyMap<string, Record<string, string>>,
  gpuType: string,
): StagePlan[] {
  const plans: StagePlan[] = [];
  let exportInputs: Record<string, string>;
  if (spec.source === "Folds") {
    const select = makeStage(resource, spec.placement, "select-checkpoints", "select-checkpoints", {
      inputs: foldCheckpointDirs(spec, dependencies),
      parameters: { selection: spec.selection, model: spec.model },
    });
    plans.push(select);
    exportInputs = { selection: select.outputDir };
  } else {
    exportInputs = Object.fromEntries(spec.trainedCheckpoints.map((path, i) => [`fold${i}`, path]));
  }
  const exportOnnx = makeStage(resource, spec.placement, "export-onnx", "export-onnx", {
    inputs: exportInputs,
    parameters: { model: spec.model, export: spec.export },
  });
  plans.push(exportOnnx);
  if (spec.export.tensorRT) {
    plans.push(
      makeStage(resource, spec.placement, "build-engine", "build-engine", {
        inputs: { onnx: exportOnnx.outputDir },
        parameters: { export: spec.export, gpuType },
      }),
    );
  }
  return plans;
}

/** From Folds, waits for its folds (roles fold0, fold1, …); from Trained checkpoints, for nothing. */
export const engineBuild = registerKind({
  definition: engineBuildKind,
  references: [
    {
      kind: classifierFoldKind,
      refs: (spec) =>
        spec.source === "Folds" ? (spec.folds ?? []).map((ref, i) => ({ role: `fold${i}`, name: ref.name })) : [],
    },
  ],
  plan: (resource, spec, { dependencies, gpuType }) => planEngineBuild(resource, spec, dependencies, gpuType),
});
