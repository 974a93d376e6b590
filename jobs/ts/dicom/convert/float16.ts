/**
 * The nearest IEEE binary16 value of x (round half to even; magnitudes from 65520 up become
 * ±Infinity), as a float64. The seed's DALI path passed window centre/width through a float16
 * array (docs/seed-pipeline.md#windowing): 2047.5 → 2048, 3000.5 → 3000, 65536 → Infinity.
 */
export function roundToFloat16(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Number.POSITIVE_INFINITY;
  let exponent = Math.floor(Math.log2(a));
  while (2 ** exponent > a) exponent--;
  while (2 ** (exponent + 1) <= a) exponent++;
  // 10 fraction bits for normals; subnormals share the spacing of the smallest binade.
  const ulp = 2 ** (Math.max(exponent, -14) - 10);
  const scaled = a / ulp; // exact: ulp is a power of two
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  const rounded = fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return Math.sign(x) * rounded * ulp;
}
