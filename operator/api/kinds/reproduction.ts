import { z } from "zod";
import { defaulted, Placement, StoragePath } from "../common.ts";
import { ClassifierModel, ClassifierTraining } from "../settings/classifier.ts";
import { DetectorTraining } from "../settings/detector-training.ts";
import { CheckpointSelection, EnsembleExport } from "../settings/engine.ts";
import { BaseStatus, Phase } from "../status.ts";
import { ClassificationDatasetSpec } from "./classification-dataset.ts";
import { defineKind } from "./define.ts";
import { SubmissionSpec } from "./submission.ts";

export const ReproductionMode = z
  .enum(["Trained", "PartialReproduce", "FullReproduce"])
  .describe(
    "Trained: the winner's detector and folds, engine + submission only. PartialReproduce: keep the detector, retrain the four folds. FullReproduce: retrain the detector too (seed README §5).",
  );
export type ReproductionMode = z.infer<typeof ReproductionMode>;

/**
 * A whole run of the published pipeline in one of the seed's three modes. The controller
 * creates and owns the child resources the mode needs (a RoiDetectorTraining, a
 * ClassificationDataset, the ClassifierFolds, an EngineBuild and a Submission) and reports
 * their progress. A minimal manifest (`spec: {}`) is the seed's Trained mode.
 */
export const ReproductionSpec = z
  .object({
    mode: ReproductionMode.default("Trained"),
    trainedAssets: StoragePath.default("assets/trained").describe(
      "Folder with the winner's weights (yolox_nano_416_roi_torch.pth, best_convnext_fold_{0..3}.pth.tar).",
    ),
    placement: defaulted(Placement),
    detector: defaulted(
      z
        .object({ training: defaulted(DetectorTraining) })
        .describe("Detector training settings, used in FullReproduce."),
    ),
    dataset: defaulted(
      ClassificationDatasetSpec.omit({ detector: true, placement: true }).describe(
        "Classification dataset settings, used in PartialReproduce and FullReproduce.",
      ),
    ),
    classifier: defaulted(
      z
        .object({ model: defaulted(ClassifierModel), training: defaulted(ClassifierTraining) })
        .describe("Classifier model and training settings shared by all folds."),
    ),
    engine: defaulted(
      z
        .object({ selection: defaulted(CheckpointSelection), export: defaulted(EnsembleExport) })
        .describe("Checkpoint selection and export settings."),
    ),
    submission: defaulted(
      SubmissionSpec.omit({ detector: true, engine: true, placement: true }).describe(
        "The test set and how it is scored.",
      ),
    ),
  })
  .describe("Desired state of a Reproduction.");

export const ReproductionStatus = BaseStatus.extend({
  children: z
    .array(
      z
        .object({
          kind: z.string().min(1).max(63).describe("Kind of the child."),
          name: z.string().min(1).max(253).describe("Name of the child."),
          phase: Phase.optional(),
        })
        .describe("A child resource."),
    )
    .max(32)
    .optional()
    .describe("The resources this reproduction created, with their phases."),
}).describe("Observed state of a Reproduction.");

export const reproductionKind = defineKind({
  kind: "Reproduction",
  plural: "reproductions",
  shortNames: ["repro"],
  spec: ReproductionSpec,
  status: ReproductionStatus,
  columns: [{ name: "Mode", type: "string", jsonPath: ".spec.mode", description: "Reproduction mode." }],
});
export const Reproduction = reproductionKind.resource;
export type Reproduction = z.infer<typeof Reproduction>;
