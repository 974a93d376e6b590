import { z } from "zod";
import { ClassifierModel } from "../../../jobs/contract/parameters/classifier.ts";
import {
  CheckpointSelection,
  candidatesCoverFolds,
  candidatesCoverFoldsCel,
  EnsembleExport,
} from "../../../jobs/contract/parameters/engine.ts";
import { defaulted, LocalRef, Placement, StoragePath, Suspend } from "../common.ts";
import { withInvariants } from "../rules.ts";
import { BaseStatus } from "../status.ts";
import { defineKind, stageJobSuffix } from "./define.ts";

export const SEED_TRAINED_FOLD_CHECKPOINTS = [0, 1, 2, 3].map(
  (fold) => `assets/trained/best_convnext_fold_${fold}.pth.tar`,
);

/**
 * The deployable ensemble: checkpoint selection over pooled out-of-fold predictions
 * (select-checkpoints; J6), one ONNX model with a column per fold (export-onnx), and a TensorRT
 * engine built on the pool's GPU type (build-engine; J7). Waits for its folds.
 */
export const EngineBuildSpec = withInvariants(
  z
    .object({
      source: z
        .enum(["Folds", "Trained"])
        .default("Folds")
        .describe(
          "Folds: select checkpoints of the ClassifierFolds in `folds`. Trained: use the fold checkpoints in `trainedCheckpoints` as they are (no selection).",
        ),
      folds: z
        .array(LocalRef)
        .max(20)
        .optional()
        .describe("The ClassifierFolds of the ensemble, in fold order; required when source is Folds."),
      trainedCheckpoints: z
        .array(StoragePath)
        .min(1)
        .max(20)
        .default([...SEED_TRAINED_FOLD_CHECKPOINTS])
        .describe("Fold checkpoints (seed format, EMA weights) used when source is Trained."),
      model: defaulted(ClassifierModel),
      selection: defaulted(CheckpointSelection),
      export: defaulted(EnsembleExport),
      placement: defaulted(Placement),
      suspend: Suspend,
    })
    .describe("Desired state of an EngineBuild."),
  [
    {
      cel: "self.source != 'Folds' || (has(self.folds) && size(self.folds) > 0)",
      message: "an EngineBuild with source Folds needs at least one entry in spec.folds",
      fieldPath: ".folds",
      holds: (s) => s.source !== "Folds" || (s.folds?.length ?? 0) > 0,
    },
    {
      cel: `self.source != 'Folds' || !has(self.folds) || (${candidatesCoverFoldsCel("self.selection.candidates", "size(self.folds)")})`,
      message:
        "spec.selection.candidates must name each fold of spec.folds (0 to the number of folds − 1) exactly once; the default is the seed's list for four folds",
      fieldPath: ".selection.candidates",
      holds: (s) =>
        s.source !== "Folds" || s.folds === undefined || candidatesCoverFolds(s.selection.candidates, s.folds.length),
    },
  ],
);

export const EngineBuildStatus = BaseStatus.extend({
  selectedEpochs: z
    .array(
      z
        .object({
          fold: z.int().min(0).describe("Fold index."),
          epoch: z.number().min(0).describe("Chosen checkpoint epoch."),
        })
        .describe("The checkpoint chosen for one fold."),
    )
    .max(20)
    .optional()
    .describe("The chosen checkpoint of each fold."),
}).describe("Observed state of an EngineBuild.");

export const engineBuildKind = defineKind({
  kind: "EngineBuild",
  plural: "enginebuilds",
  shortNames: ["engine"],
  /** The longest of its stages (select-checkpoints, export-onnx, build-engine). */
  longestDerivedSuffix: stageJobSuffix("engine", "select-checkpoints"),
  spec: EngineBuildSpec,
  status: EngineBuildStatus,
  columns: [
    { name: "Source", type: "string", jsonPath: ".spec.source", description: "Folds or Trained." },
    { name: "Precision", type: "string", jsonPath: ".spec.export.precision", description: "Engine precision." },
  ],
});
export const EngineBuild = engineBuildKind.resource;
export type EngineBuild = z.infer<typeof EngineBuild>;
