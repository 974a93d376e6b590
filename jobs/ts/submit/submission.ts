import type { Aggregation } from "../../contract/parameters/submission.ts";
import { type BreastProbability, breastProbabilities, decisionThreshold, submissionCsv } from "./aggregate.ts";
import type { ProbabilityRow } from "./probabilities-file.ts";

export interface Submission {
  /** Every breast of the test set in prediction_id order; NaN where no image of it could be scored. */
  breasts: BreastProbability[];
  threshold: number;
  csv: string;
  /** Breasts none of whose images could be scored: written as 0 and reported. */
  missingBreasts: string[];
  failedImages: ProbabilityRow[];
}

/**
 * submission.csv from image rows (docs/seed-pipeline.md#aggregation): failed images are left out, so a
 * breast is scored from its remaining views; a breast with none left is reported and written
 * as 0 so the file still lists every breast.
 */
export function buildSubmission(rows: readonly ProbabilityRow[], options: Aggregation): Submission {
  const scored = rows.filter((r) => r.error === undefined && r.mean !== undefined);
  const scoredBreasts = breastProbabilities(
    scored.map((r) => ({ predictionId: r.predictionId, probability: r.mean as number })),
    options.breastReduction,
  );
  const known = new Set(scoredBreasts.map((b) => b.predictionId));
  const missingBreasts = [...new Set(rows.map((r) => r.predictionId))].filter((id) => !known.has(id)).sort();
  const threshold = decisionThreshold(scoredBreasts, options);
  const breasts = [
    ...scoredBreasts,
    ...missingBreasts.map((predictionId) => ({ predictionId, probability: Number.NaN, images: 0 })),
  ].sort((a, b) => (a.predictionId < b.predictionId ? -1 : a.predictionId > b.predictionId ? 1 : 0));
  return {
    breasts,
    threshold,
    csv: submissionCsv(breasts, threshold),
    missingBreasts,
    failedImages: rows.filter((r) => r.error !== undefined),
  };
}
