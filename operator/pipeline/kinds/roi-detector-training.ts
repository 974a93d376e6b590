import { type RoiDetectorTraining, roiDetectorTrainingKind } from "../../api/kinds/roi-detector-training.ts";
import type { ResourceId, StagePlan } from "../stage-plan.ts";
import { makeStage } from "./make-stage.ts";
import { registerKind } from "./registered-kind.ts";

type Spec = RoiDetectorTraining["spec"];

/**
 * The seed's detector engine (docs/seed-pipeline.md#detector-output: TensorRT fp16, batch 1), built
 * by the stage and code that build the ensemble's (build-engine, which builds every detector.onnx
 * it is given as fp16 batch 1; the parameters say so for the request and its digest).
 */
const DETECTOR_ENGINE = { precision: "Fp16", minBatch: 1, optBatch: 1, maxBatch: 1 } as const;

/** With spec.tensorRT, the detector's fp16 TensorRT engine from its ONNX export. */
function detectorEngine(resource: ResourceId, spec: Spec, exportOnnx: StagePlan, gpuType: string): StagePlan[] {
  if (!spec.tensorRT) return [];
  return [
    makeStage(resource, spec.placement, "build-engine", "build-engine", {
      inputs: { onnx: exportOnnx.outputDir },
      parameters: { export: DETECTOR_ENGINE, gpuType },
    }),
  ];
}

/**
 * Train: (decode the labelled DICOMs,) build the ROI dataset, train YOLOX-nano, export it.
 * Trained: export the checkpoint. Either way, with spec.tensorRT, build its fp16 engine.
 */
export function planRoiDetectorTraining(resource: ResourceId, spec: Spec, gpuType: string): StagePlan[] {
  const exportParameters = { model: "yolox-nano" as const, inputSize: spec.training.inputSize };
  if (spec.source === "Trained") {
    const exportOnnx = makeStage(resource, spec.placement, "export-onnx", "export-onnx", {
      inputs: { checkpoint: spec.checkpoint ?? "" },
      parameters: exportParameters,
    });
    return [exportOnnx, ...detectorEngine(resource, spec, exportOnnx, gpuType)];
  }
  // roi-dataset reads the breast-box labels and the path-C images (8-bit min-max PNGs named
  // {patient_id}@{image_id}.png): decoded by roi-images from spec.training.dicomImages when it is
  // set (as the seed's J1 does), else brought by the user at spec.training.images.
  const roiImages =
    spec.training.dicomImages === undefined
      ? undefined
      : makeStage(resource, spec.placement, "roi-images", "roi-images", {
          inputs: { labels: spec.training.labels, dicom: spec.training.dicomImages },
        });
  const roiDataset = makeStage(resource, spec.placement, "roi-dataset", "roi-dataset", {
    inputs: {
      labels: spec.training.labels,
      // The folder roi-images writes its PNGs into (IMAGES_DIR of jobs/ts/roi-images/stage.ts).
      images: roiImages ? `${roiImages.outputDir}/images` : spec.training.images,
    },
  });
  const train = makeStage(resource, spec.placement, "train-detector", "train-detector", {
    inputs: { roiDataset: roiDataset.outputDir },
    parameters: { training: spec.training },
  });
  const exportOnnx = makeStage(resource, spec.placement, "export-onnx", "export-onnx", {
    inputs: { checkpoint: train.outputDir },
    parameters: exportParameters,
  });
  return [
    ...(roiImages ? [roiImages] : []),
    roiDataset,
    train,
    exportOnnx,
    ...detectorEngine(resource, spec, exportOnnx, gpuType),
  ];
}

/** Waits for nothing: its inputs are files under the storage root. */
export const roiDetectorTraining = registerKind({
  definition: roiDetectorTrainingKind,
  references: [],
  plan: (resource, spec, { gpuType }) => planRoiDetectorTraining(resource, spec, gpuType),
});
