import { type ClassificationDataset, classificationDatasetKind } from "../../api/kinds/classification-dataset.ts";
import { roiDetectorTrainingKind } from "../../api/kinds/roi-detector-training.ts";
import type { ResourceId, StagePlan } from "../stage-plan.ts";
import { dependencyStageDir, makeStage } from "./make-stage.ts";
import { registerKind } from "./registered-kind.ts";

type Spec = ClassificationDataset["spec"];

/** prepare-dataset (sharded over spec.shards) crops with the detector's ONNX; cv-split splits. */
export function planClassificationDataset(
  resource: ResourceId,
  spec: Spec,
  dependencies: ReadonlyMap<string, Record<string, string>>,
): StagePlan[] {
  const prepare = makeStage(resource, spec.placement, "prepare-dataset", "prepare-dataset", {
    inputs: { detector: dependencyStageDir(dependencies, "detector", "export-onnx") },
    parameters: {
      datasets: spec.datasets,
      roi: spec.roi,
      pixels: spec.pixels,
      maxErrorFraction: spec.maxErrorFraction,
    },
    shards: spec.shards,
  });
  const split = makeStage(resource, spec.placement, "cv-split", "cv-split", {
    inputs: { dataset: prepare.outputDir },
    parameters: { cvSplit: spec.cvSplit },
  });
  return [prepare, split];
}

/** Waits for its detector, whose ONNX model crops the breasts. */
export const classificationDataset = registerKind({
  definition: classificationDatasetKind,
  references: [{ kind: roiDetectorTrainingKind, refs: (spec) => [{ role: "detector", name: spec.detector.name }] }],
  plan: (resource, spec, { dependencies }) => planClassificationDataset(resource, spec, dependencies),
});
