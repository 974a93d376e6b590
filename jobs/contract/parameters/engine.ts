import { z } from "zod";
import { type Invariant, withInvariants } from "../invariants.ts";

export const FoldCandidates = z
  .object({
    fold: z.int().min(0).max(19).describe("Fold index."),
    epochs: z
      .array(z.number().min(0))
      .min(1)
      .max(64)
      .describe(
        "Candidate checkpoint epochs of this fold (end-of-epoch numbers, or e.g. 9.5 for a mid-epoch validation).",
      ),
  })
  .describe("Checkpoints of one fold that take part in the selection.");

/** The seed's hard-coded BEST_EPOCHS (docs/seed-pipeline.md#checkpoint-selection): 3·5·7·5 = 525 combinations. */
export const SEED_CANDIDATE_EPOCHS = [
  { fold: 0, epochs: [11, 12, 13] },
  { fold: 1, epochs: [8, 9, 10, 11, 12] },
  { fold: 2, epochs: [20, 21, 22, 26, 28, 29, 30] },
  { fold: 3, epochs: [18, 19, 20, 21, 22] },
];

/**
 * Whether `candidates` name each fold 0..count−1 exactly once: select-checkpoints reads one input
 * per named fold, so a fold beyond the ensemble has no input and a fold left out is silently
 * dropped from it.
 */
export function candidatesCoverFolds(candidates: readonly { fold: number }[], count: number): boolean {
  return (
    candidates.length === count &&
    candidates.every((c) => c.fold < count && candidates.filter((d) => d.fold === c.fold).length === 1)
  );
}

/** The same check in CEL, over CEL expressions for the candidate list and the fold count. */
export function candidatesCoverFoldsCel(candidates: string, count: string): string {
  return `size(${candidates}) == ${count} && ${candidates}.all(c, c.fold < ${count} && ${candidates}.exists_one(d, d.fold == c.fold))`;
}

/** Checkpoint selection over pooled out-of-fold predictions (docs/seed-pipeline.md#checkpoint-selection). */
export const CheckpointSelection = z
  .object({
    candidates: z
      .array(FoldCandidates)
      .min(1)
      .max(20)
      .default(SEED_CANDIDATE_EPOCHS.map((c) => ({ fold: c.fold, epochs: [...c.epochs] })))
      .describe("Per fold, the epochs whose combination is searched; the seed's lists by default."),
    thresholdStep: z
      .number()
      .gt(0)
      .max(0.5)
      .default(0.01)
      .describe("Step of the threshold grid [0, 1) searched for the best breast-level pF1."),
    expectedOofRows: z
      .int()
      .min(0)
      .optional()
      .describe(
        "The pooled out-of-fold predictions must have exactly this many rows; 0: no check. Omitted: the seed's assert (54,706 rows) whenever the validation folds hold all 11,913 competition patients, no check on other data.",
      ),
  })
  .describe("How the final checkpoint of each fold is chosen.");
export type CheckpointSelection = z.infer<typeof CheckpointSelection>;

type ExportShape = { minBatch: number; optBatch: number; maxBatch: number };
const batchOrder: Invariant<ExportShape>[] = [
  {
    cel: "self.minBatch <= self.optBatch && self.optBatch <= self.maxBatch",
    message: "batch sizes must satisfy minBatch <= optBatch <= maxBatch",
    fieldPath: ".optBatch",
    holds: (e) => e.minBatch <= e.optBatch && e.optBatch <= e.maxBatch,
  },
];

/** ONNX export and TensorRT engine of the ensemble (docs/seed-pipeline.md#fold-ensemble). */
export const EnsembleExport = withInvariants(
  z
    .object({
      opset: z.int().min(13).max(23).default(15).describe("ONNX opset (the seed exported with 15)."),
      tensorRT: z
        .boolean()
        .default(true)
        .describe("Build a TensorRT engine on the pool's GPU type besides the ONNX model."),
      precision: z
        .enum(["Fp32", "Fp16"])
        .default("Fp32")
        .describe("Engine precision. The seed's submission engine is fp32."),
      minBatch: z.int().min(1).max(256).default(1).describe("Smallest dynamic batch of the engine."),
      optBatch: z.int().min(1).max(256).default(2).describe("Batch the engine is tuned for."),
      maxBatch: z.int().min(1).max(256).default(2).describe("Largest dynamic batch of the engine."),
      workspaceBytes: z
        .int()
        .min(1 << 20)
        .default(2 ** 32)
        .describe("TensorRT builder workspace in bytes."),
    })
    .describe("Export of the fold ensemble to ONNX and TensorRT."),
  batchOrder,
);
export type EnsembleExport = z.infer<typeof EnsembleExport>;
