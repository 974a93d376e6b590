import { z } from "zod";
import {
  ClassifierModel,
  ClassifierTraining,
  seedLongestStageEpochs,
  TrainingSchedule,
} from "../../../jobs/contract/parameters/classifier.ts";
import { DetectorTraining } from "../../../jobs/contract/parameters/detector-training.ts";
import {
  CheckpointSelection,
  candidatesCoverFolds,
  candidatesCoverFoldsCel,
  EnsembleExport,
  FoldCandidates,
} from "../../../jobs/contract/parameters/engine.ts";
import { defaulted, Placement, StoragePath, Suspend } from "../common.ts";
import { unusedInMode, withInvariants } from "../rules.ts";
import { BaseStatus, Phase } from "../status.ts";
import { ClassificationDatasetSpec, classificationDatasetKind } from "./classification-dataset.ts";
import { classifierFoldKind } from "./classifier-fold.ts";
import { defineKind } from "./define.ts";
import { engineBuildKind, SEED_TRAINED_FOLD_CHECKPOINTS } from "./engine-build.ts";
import { roiDetectorTrainingKind } from "./roi-detector-training.ts";
import { SubmissionSpec, submissionKind } from "./submission.ts";

export const ReproductionMode = z
  .enum(["Trained", "PartialReproduce", "FullReproduce"])
  .describe(
    "Trained: the winner's detector and folds, engine + submission only. PartialReproduce: keep the detector, retrain the four folds. FullReproduce: retrain the detector too (docs/seed-pipeline.md#reproduction-modes).",
  );
export type ReproductionMode = z.infer<typeof ReproductionMode>;

/** A reproduction's selection: candidates follow its folds and schedule unless given. */
const ReproductionSelection = CheckpointSelection.extend({
  candidates: z
    .array(FoldCandidates)
    .min(1)
    .max(20)
    .optional()
    .describe(
      "Per fold, the epochs whose combination is searched; each fold 0..dataset.cvSplit.folds−1 exactly once, every epoch within the fold's last training stage. When omitted: the seed's lists (525 combinations) for four folds trained on the seed's schedule; otherwise each fold's last end-of-epoch checkpoint (the epochs of its last training stage), so the selection only picks the threshold. Refused in Trained mode, which selects no checkpoints.",
    ),
}).describe("How the final checkpoint of each fold is chosen.");

const retrains = "self.mode == 'Trained'";
const candidates = "self.engine.selection.candidates";
const stages = "self.classifier.stages";
const precomputed = "self.classifier.training.sampler.precomputedEpochs";
const externals = "self.classifier.training.externalDatasets";
const prepared = "self.dataset.datasets";
const splitDataset = "self.dataset.cvSplit.dataset";

/**
 * A whole run of the published pipeline in one of the seed's three modes. The controller
 * creates and owns the child resources the mode needs (a RoiDetectorTraining, a
 * ClassificationDataset, the ClassifierFolds, an EngineBuild and a Submission) and reports
 * their progress. A minimal manifest (`spec: {}`) is the seed's Trained mode.
 */
export const ReproductionSpec = withInvariants(
  z
    .object({
      mode: ReproductionMode.default("Trained"),
      trainedAssets: StoragePath.default("assets/trained").describe(
        "Folder with the winner's weights (yolox_nano_416_roi_torch.pth, best_convnext_fold_{0..3}.pth.tar).",
      ),
      placement: defaulted(Placement),
      suspend: Suspend.describe(
        "While true, the reproduction creates its children suspended, or suspends those it made: no child starts a stage, the running stages' Jobs are suspended; setting it back to false resumes them. Nothing counts as failed and finished stages are kept. The status shows phase Suspended and a Suspended condition.",
      ),
      detector: defaulted(
        z
          .object({ training: defaulted(DetectorTraining) })
          .describe("Detector training settings, used in FullReproduce."),
      ),
      dataset: defaulted(
        ClassificationDatasetSpec.omit({ detector: true, placement: true, suspend: true }).describe(
          "Classification dataset settings, used in PartialReproduce and FullReproduce.",
        ),
      ),
      classifier: defaulted(
        z
          .object({
            model: defaulted(ClassifierModel),
            training: defaulted(ClassifierTraining),
            stages: TrainingSchedule.optional().describe(
              "Training runs of every fold, in order, replacing the seed's per-fold schedule (docs/seed-pipeline.md#training-runs), e.g. one short run to try a reproduction at toy size; a first stage with init Random needs no model.pretrained file. When omitted, each fold trains on the seed's schedule: one run for folds 2 and 3, two runs for the others. Refused in Trained mode, which trains no fold.",
            ),
          })
          .describe("Classifier model, training settings and fold schedule shared by all folds."),
      ),
      engine: defaulted(
        z
          .object({ selection: defaulted(ReproductionSelection), export: defaulted(EnsembleExport) })
          .describe(
            "Checkpoint selection and export settings. export.tensorRT also builds the detector's fp16 TensorRT engine (batch 1), as the seed did, which the dataset crops and the submission then read.",
          ),
      ),
      submission: defaulted(
        SubmissionSpec.omit({ detector: true, engine: true, placement: true, suspend: true }).describe(
          "The test set and how it is scored.",
        ),
      ),
    })
    .describe("Desired state of a Reproduction."),
  [
    {
      cel: `${retrains} || !has(${candidates}) || (${candidatesCoverFoldsCel(candidates, "self.dataset.cvSplit.folds")})`,
      message:
        "engine.selection.candidates must name each fold 0 to dataset.cvSplit.folds − 1 exactly once (omit it to select among each fold's last checkpoint, or the seed's lists with four folds on the seed's schedule)",
      fieldPath: ".engine.selection.candidates",
      holds: (s) =>
        s.mode === "Trained" ||
        s.engine.selection.candidates === undefined ||
        candidatesCoverFolds(s.engine.selection.candidates, s.dataset.cvSplit.folds),
    },
    {
      cel: `${retrains} || !has(${stages}) || !has(${candidates}) || ${candidates}.all(c, c.epochs.all(e, e <= double(${stages}[size(${stages}) - 1].epochs)))`,
      message:
        "every epoch in engine.selection.candidates must be at most the epochs of the last classifier.stages entry, whose checkpoints are epochs 0 to epochs (omit candidates to select each fold's last checkpoint)",
      fieldPath: ".engine.selection.candidates",
      holds: (s) => {
        const last = s.classifier.stages?.at(-1);
        const chosen = s.engine.selection.candidates;
        return s.mode === "Trained" || !last || !chosen || chosen.every((c) => c.epochs.every((e) => e <= last.epochs));
      },
    },
    {
      cel: `${retrains} || !has(${stages}) || ${stages}[0].init != 'PreviousStage'`,
      message:
        "classifier.stages: the first training stage has no previous stage: it starts from ImageNet (or Random) weights",
      fieldPath: ".classifier.stages",
      holds: (s) => s.mode === "Trained" || s.classifier.stages?.[0]?.init !== "PreviousStage",
    },
    {
      cel: `${retrains} || (has(${stages}) ? ${stages}.all(s, s.epochs < ${precomputed}) : ${precomputed} > (self.dataset.cvSplit.folds > 2 ? ${seedLongestStageEpochs(2)} : ${seedLongestStageEpochs(0)}))`,
      message:
        "classifier.training.sampler.precomputedEpochs must exceed the epochs of every training stage of every fold (a run trains epochs + 1 with its cooldown epoch; without classifier.stages the seed's schedule trains up to 30 + 1)",
      fieldPath: ".classifier.training.sampler.precomputedEpochs",
      holds: (s) => {
        if (s.mode === "Trained") return true;
        const limit = s.classifier.training.sampler.precomputedEpochs;
        if (s.classifier.stages) return s.classifier.stages.every((stage) => stage.epochs < limit);
        return Array.from({ length: s.dataset.cvSplit.folds }, (_, f) => seedLongestStageEpochs(f) < limit).every(
          Boolean,
        );
      },
    },
    {
      cel: `${retrains} || ${prepared}.exists(d, d.name == ${splitDataset})`,
      message:
        "dataset.cvSplit.dataset must be one of dataset.datasets: the split dataset is prepared like the others (e.g. datasets: [{name: rsna-breast-cancer-detection}] to train on the RSNA data alone)",
      fieldPath: ".dataset.cvSplit.dataset",
      holds: (s) => s.mode === "Trained" || s.dataset.datasets.some((d) => d.name === s.dataset.cvSplit.dataset),
    },
    {
      cel: `${retrains} || ${externals}.all(n, n != ${splitDataset} && ${prepared}.exists(d, d.name == n))`,
      message:
        "classifier.training.externalDatasets must name only datasets of dataset.datasets other than dataset.cvSplit.dataset: train-fold reads their prepared crops (set externalDatasets: [] to train on the split dataset alone)",
      fieldPath: ".classifier.training.externalDatasets",
      holds: (s) =>
        s.mode === "Trained" ||
        s.classifier.training.externalDatasets.every(
          (n) => n !== s.dataset.cvSplit.dataset && s.dataset.datasets.some((d) => d.name === n),
        ),
    },
    // Trained imports the winner's four folds as they are: what shapes retrained folds means nothing there.
    unusedInMode({
      mode: "Trained",
      field: "dataset.cvSplit.folds",
      unset: `self.dataset.cvSplit.folds == ${SEED_TRAINED_FOLD_CHECKPOINTS.length}`,
      isUnset: (s) => s.dataset.cvSplit.folds === SEED_TRAINED_FOLD_CHECKPOINTS.length,
      why: `it imports the winner's ${SEED_TRAINED_FOLD_CHECKPOINTS.length} folds as they are (trainedAssets/best_convnext_fold_{0..${SEED_TRAINED_FOLD_CHECKPOINTS.length - 1}}.pth.tar); leave it at ${SEED_TRAINED_FOLD_CHECKPOINTS.length}, or train another number of folds with mode PartialReproduce or FullReproduce`,
    }),
    unusedInMode({
      mode: "Trained",
      field: "engine.selection.candidates",
      unset: `!has(${candidates})`,
      isUnset: (s) => s.engine.selection.candidates === undefined,
      why: "it selects no checkpoints (the winner's fold checkpoints are the ensemble); omit it, or select among retrained folds' epochs with mode PartialReproduce or FullReproduce",
    }),
    unusedInMode({
      mode: "Trained",
      field: "classifier.stages",
      unset: `!has(${stages})`,
      isUnset: (s) => s.classifier.stages === undefined,
      why: "it trains no fold; omit it, or retrain the folds on this schedule with mode PartialReproduce or FullReproduce",
    }),
  ],
);

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

/**
 * The children a Reproduction names `<name>-<role>` (pipeline/reproduction.ts), each with its
 * own Jobs: the longest Job name of any child bounds the Reproduction's name. Fold roles go up
 * to fold-19 (dataset.cvSplit.folds is at most 20).
 */
const childJobSuffixes = [
  `-detector${roiDetectorTrainingKind.longestDerivedSuffix}`,
  `-dataset${classificationDatasetKind.longestDerivedSuffix}`,
  `-fold-19${classifierFoldKind.longestDerivedSuffix}`,
  `-engine${engineBuildKind.longestDerivedSuffix}`,
  `-submission${submissionKind.longestDerivedSuffix}`,
];

export const reproductionKind = defineKind({
  kind: "Reproduction",
  plural: "reproductions",
  shortNames: ["repro"],
  longestDerivedSuffix: childJobSuffixes.reduce((a, b) => (b.length > a.length ? b : a)),
  spec: ReproductionSpec,
  status: ReproductionStatus,
  columns: [{ name: "Mode", type: "string", jsonPath: ".spec.mode", description: "Reproduction mode." }],
});
export const Reproduction = reproductionKind.resource;
export type Reproduction = z.infer<typeof Reproduction>;
