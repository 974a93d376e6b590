import { type RoiDetectorTraining, roiDetectorTrainingKind } from "../../api/kinds/roi-detector-training.ts";
import type { ResourceId, StagePlan } from "../stage-plan.ts";
import { makeStage } from "./make-stage.ts";
import { registerKind } from "./registered-kind.ts";

type Spec = RoiDetectorTraining["spec"];

/**
 * Train: (decode the labelled DICOMs,) build the ROI dataset, train YOLOX-nano, export it.
 * Trained: export the checkpoint.
 */
export function planRoiDetectorTraining(resource: ResourceId, spec: Spec): StagePlan[] {
  const exportParameters = { model: "yolox-nano", tensorRT: spec.tensorRT, inputSize: spec.training.inputSize };
  if (spec.source === "Trained") {
    return [
      makeStage(resource, spec.placement, "export-onnx", "export-onnx", {
        inputs: { checkpoint: spec.checkpoint ?? "" },
        parameters: exportParameters,
      }),
    ];
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
  return [...(roiImages ? [roiImages] : []), roiDataset, train, exportOnnx];
}

/** Waits for nothing: its inputs are files under the storage root. */
export const roiDetectorTraining = registerKind({
  definition: roiDetectorTrainingKind,
  references: [],
  plan: (resource, spec) => planRoiDetectorTraining(resource, spec),
});
