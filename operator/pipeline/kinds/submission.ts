import { engineBuildKind } from "../../api/kinds/engine-build.ts";
import { roiDetectorTrainingKind } from "../../api/kinds/roi-detector-training.ts";
import { type Submission, submissionKind } from "../../api/kinds/submission.ts";
import type { ResourceId, StagePlan } from "../stage-plan.ts";
import { dependencyStageDir, makeStage } from "./make-stage.ts";
import { registerKind } from "./registered-kind.ts";

type Spec = Submission["spec"];

/** The engine's deployable model: the TensorRT engine when it built one, else the ONNX model. */
function engineDir(dependencies: ReadonlyMap<string, Record<string, string>>): string {
  const engine = dependencies.get("engine") ?? {};
  return engine["build-engine"] ?? dependencyStageDir(dependencies, "engine", "export-onnx");
}

/** predict (sharded over runtime.shards) then aggregate into submission.csv. */
export function planSubmission(
  resource: ResourceId,
  spec: Spec,
  dependencies: ReadonlyMap<string, Record<string, string>>,
): StagePlan[] {
  const predict = makeStage(resource, spec.placement, "predict", "predict", {
    inputs: {
      detector: dependencyStageDir(dependencies, "detector", "export-onnx"),
      engine: engineDir(dependencies),
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
