import { pfbeta } from "./pfbeta.ts";

/** The seed's threshold grid, `np.arange(0, 1, 0.01)`: i·0.01 for i = 0..99. */
export const THRESHOLD_GRID: readonly number[] = Array.from({ length: 100 }, (_, i) => i * 0.01);

export interface BestThreshold {
  threshold: number;
  /** F1 of `prediction > threshold`. */
  f1: number;
}

/**
 * The best binarising threshold of the seed's `_compute_metrics` (docs/seed-pipeline.md#metrics): F1 of
 * `p > t` for every t of the grid; the highest wins, and among equal scores the threshold
 * nearest 0.5 (the lower one when two are as near, the order of its stable sort).
 */
export function bestThreshold(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  grid: readonly number[] = THRESHOLD_GRID,
): BestThreshold {
  let best: BestThreshold | undefined;
  for (const threshold of grid) {
    const binary = Array.from(predictions, (p) => (p > threshold ? 1 : 0));
    const f1 = pfbeta(labels, binary);
    const better =
      !best || f1 > best.f1 || (f1 === best.f1 && Math.abs(threshold - 0.5) < Math.abs(best.threshold - 0.5));
    if (better) best = { threshold, f1 };
  }
  if (!best) throw new RangeError("empty threshold grid");
  return best;
}
