import { seedTrainingStages } from "../../../jobs/contract/parameters/classifier.ts";
import { classificationDatasetKind } from "../../api/kinds/classification-dataset.ts";
import { type ClassifierFold, classifierFoldKind } from "../../api/kinds/classifier-fold.ts";
import type { ResourceId, StagePlan } from "../stage-plan.ts";
import { dependencyStageDir, makeStage } from "./make-stage.ts";
import { registerKind } from "./registered-kind.ts";

type Spec = ClassifierFold["spec"];

/** Id of the n-th (1-based) training run of a fold; also the name of its checkpoint folder. */
export const TRAIN_FOLD_PREFIX = "train-fold-";
export const trainFoldStageId = (run: number) => `${TRAIN_FOLD_PREFIX}${run}`;

/** One train-fold stage per training run; a later run starts from the previous run's folder. */
export function planClassifierFold(
  resource: ResourceId,
  spec: Spec,
  dependencies: ReadonlyMap<string, Record<string, string>>,
): StagePlan[] {
  const runs = spec.stages ?? seedTrainingStages(spec.fold);
  const dataset = {
    crops: dependencyStageDir(dependencies, "dataset", "prepare-dataset"),
    split: dependencyStageDir(dependencies, "dataset", "cv-split"),
  };
  const plans: StagePlan[] = [];
  for (const [i, run] of runs.entries()) {
    const previous = plans[i - 1];
    plans.push(
      makeStage(resource, spec.placement, trainFoldStageId(i + 1), "train-fold", {
        inputs: run.init === "PreviousStage" && previous ? { ...dataset, previous: previous.outputDir } : dataset,
        parameters: {
          fold: spec.fold,
          numFolds: spec.numFolds,
          model: spec.model,
          training: spec.training,
          stage: run,
        },
      }),
    );
  }
  return plans;
}

/** Waits for its dataset (crops and split). */
export const classifierFold = registerKind({
  definition: classifierFoldKind,
  references: [{ kind: classificationDatasetKind, refs: (spec) => [{ role: "dataset", name: spec.dataset.name }] }],
  plan: (resource, spec, { dependencies }) => planClassifierFold(resource, spec, dependencies),
});
