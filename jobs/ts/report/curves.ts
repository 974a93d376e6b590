/**
 * The numbers behind the report's charts, from breast scores and labels: ROC and
 * precision-recall points, the operating point of the submission's threshold, and score
 * histograms by label. Pure functions; the SVG is drawn by charts.ts.
 */

/** A breast's score and label, what every curve is computed from. */
export interface ScoredLabel {
  score: number;
  label: 0 | 1;
}

export interface RocPoint {
  fpr: number;
  tpr: number;
  /** Breasts scoring at least this are positive at this point; Infinity for the (0, 0) start. */
  threshold: number;
}

export interface PrPoint {
  recall: number;
  precision: number;
  threshold: number;
}

export interface OperatingPoint {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  tpr: number;
  fpr: number;
  /** NaN when nothing is predicted positive. */
  precision: number;
}

interface Cumulative {
  threshold: number;
  tp: number;
  fp: number;
}

/** True and false positives after each distinct score, from the highest down (ties form one step). */
function cumulativeCounts(items: readonly ScoredLabel[]): {
  steps: Cumulative[];
  positives: number;
  negatives: number;
} {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const positives = items.filter((i) => i.label === 1).length;
  const steps: Cumulative[] = [];
  let tp = 0;
  let fp = 0;
  sorted.forEach((item, k) => {
    if (item.label === 1) tp++;
    else fp++;
    const next = sorted[k + 1];
    if (next === undefined || next.score !== item.score) steps.push({ threshold: item.score, tp, fp });
  });
  return { steps, positives, negatives: items.length - positives };
}

/**
 * ROC points as sklearn's `roc_curve(drop_intermediate=False)`: (0, 0), then one point per
 * distinct score from high to low. Empty when only one class is present (no curve exists).
 */
export function rocPoints(items: readonly ScoredLabel[]): RocPoint[] {
  const { steps, positives, negatives } = cumulativeCounts(items);
  if (positives === 0 || negatives === 0) return [];
  return [
    { fpr: 0, tpr: 0, threshold: Number.POSITIVE_INFINITY },
    ...steps.map((s) => ({ fpr: s.fp / negatives, tpr: s.tp / positives, threshold: s.threshold })),
  ];
}

/** Trapezoidal area under ROC points (the same value as metrics/roc-auc.ts); NaN without a curve. */
export function areaUnder(points: readonly RocPoint[]): number {
  if (points.length === 0) return Number.NaN;
  let area = 0;
  for (let k = 1; k < points.length; k++) {
    const a = points[k - 1] as RocPoint;
    const b = points[k] as RocPoint;
    area += ((b.fpr - a.fpr) * (a.tpr + b.tpr)) / 2;
  }
  return area;
}

/**
 * Precision-recall points from high to low score, starting at (recall 0, precision 1) as
 * sklearn's `precision_recall_curve` ends; empty without positives.
 */
export function prPoints(items: readonly ScoredLabel[]): PrPoint[] {
  const { steps, positives } = cumulativeCounts(items);
  if (positives === 0) return [];
  return [
    { recall: 0, precision: 1, threshold: Number.POSITIVE_INFINITY },
    ...steps.map((s) => ({ recall: s.tp / positives, precision: s.tp / (s.tp + s.fp), threshold: s.threshold })),
  ];
}

/** Average precision as sklearn's `average_precision_score`: Σ (Rₙ − Rₙ₋₁) Pₙ, no interpolation. */
export function averagePrecision(points: readonly PrPoint[]): number {
  if (points.length === 0) return Number.NaN;
  let sum = 0;
  for (let k = 1; k < points.length; k++) {
    const a = points[k - 1] as PrPoint;
    const b = points[k] as PrPoint;
    sum += (b.recall - a.recall) * b.precision;
  }
  return sum;
}

/** The submission's confusion and rates: positive when the score is strictly above the threshold. */
export function operatingPoint(items: readonly ScoredLabel[], threshold: number): OperatingPoint {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (const { score, label } of items) {
    const positive = score > threshold;
    if (positive && label === 1) tp++;
    else if (positive) fp++;
    else if (label === 1) fn++;
    else tn++;
  }
  return {
    tp,
    fp,
    tn,
    fn,
    tpr: tp + fn === 0 ? Number.NaN : tp / (tp + fn),
    fpr: fp + tn === 0 ? Number.NaN : fp / (fp + tn),
    precision: tp + fp === 0 ? Number.NaN : tp / (tp + fp),
  };
}

/**
 * Counts of scores in `bins` equal bins over [0, 1]: bin i holds [i/bins, (i+1)/bins), the last
 * also 1. A score a rounding error below an edge (0.6 × 5 = 2.9999…) goes above it, where its
 * printed value puts it; scores outside [0, 1] are clamped into the end bins.
 */
export function histogram(scores: readonly number[], bins: number): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`histogram needs a whole number of bins, got ${bins}`);
  const counts = new Array<number>(bins).fill(0);
  for (const score of scores) {
    const index = Math.min(bins - 1, Math.max(0, Math.floor(score * bins + 1e-9)));
    counts[index] = (counts[index] as number) + 1;
  }
  return counts;
}
