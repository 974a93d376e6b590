import { type ClassificationDataset, classificationDatasetKind } from "../../api/kinds/classification-dataset.ts";
import { roiDetectorTrainingKind } from "../../api/kinds/roi-detector-training.ts";
import type { ResourceId, StagePlan } from "../stage-plan.ts";
import { deployableModelDir, makeStage } from "./make-stage.ts";
import { registerKind } from "./registered-kind.ts";

type Spec = ClassificationDataset["spec"];

/**
 * prepare-dataset (sharded over spec.shards) crops with the detector (from its fp16 TensorRT
 * engine's folder when it built one, as the seed's J3); cv-split splits. Its pods get GPUs only
 * when spec.runtime asks for a GPU provider.
 */
export function planClassificationDataset(
  resource: ResourceId,
  spec: Spec,
  dependencies: ReadonlyMap<string, Record<string, string>>,
): StagePlan[] {
  const prepare = makeStage(resource, spec.placement, "prepare-dataset", "prepare-dataset", {
    inputs: { detector: deployableModelDir(dependencies, "detector") },
    parameters: {
      datasets: spec.datasets,
      roi: spec.roi,
      runtime: spec.runtime,
      pixels: spec.pixels,
      maxErrorFraction: spec.maxErrorFraction,
    },
    shards: spec.shards,
    gpu: spec.runtime.executionProvider !== "Cpu",
  });
  const split = makeStage(resource, spec.placement, "cv-split", "cv-split", {
    inputs: { dataset: prepare.outputDir },
    parameters: { cvSplit: spec.cvSplit },
  });
  return [prepare, split];
}

/** Waits for its detector, whose model crops the breasts. */
export const classificationDataset = registerKind({
  definition: classificationDatasetKind,
  references: [{ kind: roiDetectorTrainingKind, refs: (spec) => [{ role: "detector", name: spec.detector.name }] }],
  plan: (resource, spec, { dependencies }) => planClassificationDataset(resource, spec, dependencies),
});
