import type { Aggregation } from "../../contract/parameters/submission.ts";

const f32 = Math.fround;

/**
 * Mean of an image's fold probabilities as the seed computes it (`nan_to_num` then a float32
 * NumPy mean: sequential float32 sum, divided in float32).
 */
export function foldMean(folds: ArrayLike<number>): number {
  if (folds.length === 0) throw new RangeError("no fold probabilities");
  let sum = 0;
  for (let i = 0; i < folds.length; i++) {
    const p = folds[i] as number;
    sum = f32(sum + (Number.isNaN(p) ? 0 : p));
  }
  return f32(sum / folds.length);
}

/** One image's probability with the breast it belongs to. */
export interface ImageProbability {
  predictionId: string;
  probability: number;
}

/** One breast's probability; `images` = how many images were averaged. */
export interface BreastProbability {
  predictionId: string;
  probability: number;
  images: number;
}

/**
 * The per-breast probability (`groupby('prediction_id').mean()` over all views, or the max),
 * in prediction_id order, which is also the order of the seed's submission.csv.
 */
export function breastProbabilities(
  images: readonly ImageProbability[],
  reduction: Aggregation["breastReduction"],
): BreastProbability[] {
  const groups = new Map<string, number[]>();
  for (const image of images) {
    const list = groups.get(image.predictionId);
    if (list) list.push(image.probability);
    else groups.set(image.predictionId, [image.probability]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([predictionId, values]) => ({
      predictionId,
      images: values.length,
      probability: reduction === "Max" ? Math.max(...values) : values.reduce((sum, v) => sum + v, 0) / values.length,
    }));
}

/** `np.quantile(values, q)` with the default linear interpolation. */
export function quantileLinear(values: readonly number[], q: number): number {
  if (values.length === 0) throw new RangeError("quantile of no values");
  const sorted = Float64Array.from(values).sort();
  const rank = (sorted.length - 1) * q;
  const below = Math.floor(rank);
  const gamma = rank - below;
  const a = sorted[below] as number;
  const b = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  return gamma >= 0.5 ? b - (b - a) * (1 - gamma) : a + (b - a) * gamma;
}

/** The threshold in force: the fixed one (0.31), or the seed's percentile rule. */
export function decisionThreshold(breasts: readonly BreastProbability[], options: Aggregation): number {
  if (!options.autoThreshold) return options.threshold;
  return quantileLinear(
    breasts.map((b) => b.probability),
    options.autoThresholdQuantile,
  );
}

/** `cancer = int(probability > threshold)`, strictly greater (docs/seed-pipeline.md#threshold-and-csv). */
export function binarise(probability: number, threshold: number): 0 | 1 {
  return probability > threshold ? 1 : 0;
}

/** submission.csv: `prediction_id,cancer`, one row per breast in prediction_id order. */
export function submissionCsv(breasts: readonly BreastProbability[], threshold: number): string {
  const lines = ["prediction_id,cancer"];
  for (const b of breasts) lines.push(`${b.predictionId},${binarise(b.probability, threshold)}`);
  return `${lines.join("\n")}\n`;
}
