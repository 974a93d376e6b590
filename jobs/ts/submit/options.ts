/**
 * From image probabilities to the CSV (docs/seed-pipeline.md#aggregation): the API's `Aggregation`
 * (jobs/contract/parameters/submission.ts) mirrored, with the seed's defaults.
 */
export interface AggregationOptions {
  /** A breast is positive when its probability is strictly greater than this. */
  threshold: number;
  /** Use the autoThresholdQuantile of the breast probabilities instead of threshold. */
  autoThreshold: boolean;
  autoThresholdQuantile: number;
  /** How the images of one breast (patient_id + laterality) are combined; the seed uses Mean. */
  breastReduction: "Mean" | "Max";
}

export const SEED_AGGREGATION: Readonly<AggregationOptions> = Object.freeze({
  threshold: 0.31,
  autoThreshold: false,
  autoThresholdQuantile: 0.97935,
  breastReduction: "Mean",
});

export function aggregationOptions(partial: Partial<AggregationOptions> = {}): AggregationOptions {
  return { ...SEED_AGGREGATION, ...partial };
}
