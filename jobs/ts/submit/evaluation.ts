import { bestThreshold } from "../metrics/best-threshold.ts";
import { pfbeta } from "../metrics/pfbeta.ts";
import { rocAuc } from "../metrics/roc-auc.ts";
import { type BreastProbability, binarise } from "./aggregate.ts";

/** Breast-level metrics of a submission (docs/seed-pipeline.md#metrics, the seed's gbmean_* metrics). */
export interface Evaluation {
  breasts: number;
  positives: number;
  /** Probabilistic F1 of the breast probabilities. */
  pF1: number;
  /** F1 of the submitted 0/1 values (what Kaggle scores). */
  f1AtThreshold: number;
  threshold: number;
  /** Best F1 over the 0.00…0.99 grid and its threshold (ties toward 0.5). */
  bestF1: number;
  bestThreshold: number;
  auc: number;
}

/**
 * Scores breast probabilities against labels; every breast must have a label. A breast
 * without a probability counts as 0, the value its row in submission.csv carries.
 */
export function evaluateBreasts(
  breasts: readonly BreastProbability[],
  labels: ReadonlyMap<string, 0 | 1>,
  threshold: number,
): Evaluation {
  const unlabelled = breasts.filter((b) => !labels.has(b.predictionId)).map((b) => b.predictionId);
  if (unlabelled.length > 0) {
    throw new Error(`no label for ${unlabelled.length} breast(s): ${unlabelled.slice(0, 5).join(", ")}`);
  }
  const y = breasts.map((b) => labels.get(b.predictionId) as number);
  const p = breasts.map((b) => (Number.isNaN(b.probability) ? 0 : b.probability));
  const best = bestThreshold(y, p);
  return {
    breasts: breasts.length,
    positives: y.filter((v) => v === 1).length,
    pF1: pfbeta(y, p),
    f1AtThreshold: pfbeta(
      y,
      p.map((v) => binarise(v, threshold)),
    ),
    threshold,
    bestF1: best.f1,
    bestThreshold: best.threshold,
    auc: rocAuc(y, p),
  };
}
