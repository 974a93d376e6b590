import { z } from "zod";
import { DetectorTraining } from "../../../jobs/contract/parameters/detector-training.ts";
import { defaulted, Placement, StoragePath, Suspend } from "../common.ts";
import { withInvariants } from "../rules.ts";
import { BaseStatus } from "../status.ts";
import { defineKind, stageJobSuffix } from "./define.ts";

/**
 * A breast-ROI detector (YOLOX-nano): either trained from the seed's 571 breast boxes
 * (stages roi-dataset, train-detector, export-onnx; seed jobs J1, J2) or imported from a shipped
 * checkpoint (export-onnx only; J2'). Ready when the ONNX detector exists.
 */
export const RoiDetectorTrainingSpec = withInvariants(
  z
    .object({
      source: z
        .enum(["Trained", "Train"])
        .default("Trained")
        .describe(
          "Trained: import the checkpoint given in `checkpoint` (the winner's yolox_nano_416_roi_torch.pth). Train: train YOLOX-nano with `training`.",
        ),
      checkpoint: StoragePath.optional().describe(
        "YOLOX-nano checkpoint in the seed's format; required when source is Trained.",
      ),
      training: defaulted(DetectorTraining),
      tensorRT: z
        .boolean()
        .default(false)
        .describe(
          "Also build an fp16 TensorRT engine (batch 1) on the pool's GPU type, as the seed did (stage build-engine, as the classifier's engine). ONNX is always written; ClassificationDatasets and Submissions read the detector from the engine's folder when it is built.",
        ),
      placement: defaulted(Placement),
      suspend: Suspend,
    })
    .describe("Desired state of a RoiDetectorTraining."),
  [
    {
      cel: "self.source != 'Trained' || has(self.checkpoint)",
      message: "a Trained detector needs spec.checkpoint (e.g. assets/trained/yolox_nano_416_roi_torch.pth)",
      fieldPath: ".checkpoint",
      holds: (s) => s.source !== "Trained" || s.checkpoint !== undefined,
    },
  ],
);

export const RoiDetectorTrainingStatus = BaseStatus.describe("Observed state of a RoiDetectorTraining.");

export const roiDetectorTrainingKind = defineKind({
  kind: "RoiDetectorTraining",
  plural: "roidetectortrainings",
  shortNames: ["roidet"],
  /** The longest of its stages (export-onnx, roi-images, roi-dataset, train-detector). */
  longestDerivedSuffix: stageJobSuffix("roidet", "train-detector"),
  spec: RoiDetectorTrainingSpec,
  status: RoiDetectorTrainingStatus,
  columns: [{ name: "Source", type: "string", jsonPath: ".spec.source", description: "Trained or Train." }],
});
export const RoiDetectorTraining = roiDetectorTrainingKind.resource;
export type RoiDetectorTraining = z.infer<typeof RoiDetectorTraining>;
