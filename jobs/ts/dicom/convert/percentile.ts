/**
 * `np.percentile(values, q)` with the default 'linear' method, reproducing NumPy's arithmetic:
 * virtual index `n·q + (1 − q) − 1` (alpha = beta = 1), and its `_lerp`, which interpolates
 * from the upper neighbour when the fraction is ≥ 0.5.
 */
export function numpyPercentile(values: ArrayLike<number>, percent: number): number {
  const n = values.length;
  if (n === 0) throw new Error("percentile of an empty array");
  const sorted = Float64Array.from(values).sort();
  const q = percent / 100;
  const virtualIndex = n * q + (1 + q * (1 - 1 - 1)) - 1;
  const below = Math.floor(virtualIndex);
  const lowIndex = Math.min(Math.max(below, 0), n - 1);
  const highIndex = Math.min(Math.max(below + 1, 0), n - 1);
  const gamma = virtualIndex - below;
  const a = sorted[lowIndex] as number;
  const b = sorted[highIndex] as number;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/**
 * The seed's `percentile_min_max_scale` (docs/seed-pipeline.md#path-d--non-dicom-sources; "not correctly implemented,
 * but used in the winning submission"): hi = p99 − 1, lo = min, v = (x − lo)/(hi − lo), or
 * `x − lo` when hi == lo; the seed clips v to [0, 1] in both cases (`np.clip` after the branch),
 * so with hi == lo the minimum maps to 0 and everything above it to 1. Float64 results.
 */
export function percentileMinMaxScale(values: ArrayLike<number>): Float64Array {
  const hi = numpyPercentile(values, 99) - 1;
  let lo = Number.POSITIVE_INFINITY;
  for (let i = 0; i < values.length; i++) lo = Math.min(lo, values[i] as number);
  if (hi < lo) throw new Error(`percentile_min_max_scale: p99 − 1 (${hi}) is below the minimum (${lo})`);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const d = (values[i] as number) - lo;
    out[i] = Math.min(Math.max(hi === lo ? d : d / (hi - lo), 0), 1);
  }
  return out;
}

/** `astype(uint8)(percentile_min_max_scale(values) · 255)`: the non-DICOM crops of path D. */
export function percentileMinMaxUint8(values: ArrayLike<number>): Uint8Array {
  const scaled = percentileMinMaxScale(values);
  const out = new Uint8Array(scaled.length);
  for (let i = 0; i < scaled.length; i++) out[i] = Math.trunc((scaled[i] as number) * 255);
  return out;
}
