import { engineBuildKind } from "../../api/kinds/engine-build.ts";
import { roiDetectorTrainingKind } from "../../api/kinds/roi-detector-training.ts";
import { type Submission, submissionKind } from "../../api/kinds/submission.ts";
import type { ResourceId, StagePlan } from "../stage-plan.ts";
import { deployableModelDir, makeStage } from "./make-stage.ts";
import { registerKind } from "./registered-kind.ts";

type Spec = Submission["spec"];

/** predict (sharded over runtime.shards) then aggregate into submission.csv. */
export function planSubmission(
  resource: ResourceId,
  spec: Spec,
  dependencies: ReadonlyMap<string, Record<string, string>>,
): StagePlan[] {
  const predict = makeStage(resource, spec.placement, "predict", "predict", {
    inputs: {
      // Both models from their TensorRT engine's folder when one was built (the seed's J8 ran the
      // detector's fp16 engine and the ensemble's fp32 one), else from their ONNX export.
      detector: deployableModelDir(dependencies, "detector"),
      engine: deployableModelDir(dependencies, "engine"),
      csv: spec.testSet.csv,
      images: spec.testSet.images,
    },
    parameters: { roi: spec.roi, pixels: spec.pixels, runtime: spec.runtime },
    shards: spec.runtime.shards,
  });
  const aggregate = makeStage(resource, spec.placement, "aggregate", "aggregate", {
    // images: for report.html next to the CSV (thumbnails with the breast boxes).
    inputs: {
      predictions: predict.outputDir,
      csv: spec.testSet.csv,
      images: spec.testSet.images,
      ...(spec.testSet.labels ? { labels: spec.testSet.labels } : {}),
    },
    parameters: { aggregation: spec.aggregation, shards: spec.runtime.shards },
  });
  return [predict, aggregate];
}

/** Waits for its detector and its engine. */
export const submission = registerKind({
  definition: submissionKind,
  references: [
    { kind: roiDetectorTrainingKind, refs: (spec) => [{ role: "detector", name: spec.detector.name }] },
    { kind: engineBuildKind, refs: (spec) => [{ role: "engine", name: spec.engine.name }] },
  ],
  plan: (resource, spec, { dependencies }) => planSubmission(resource, spec, dependencies),
});
