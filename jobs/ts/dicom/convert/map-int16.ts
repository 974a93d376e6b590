import { minMax } from "./seed-int16.ts";

/**
 * Applies a value → float32 function to int16 values. The result depends on the value only, so
 * a large image goes through a table over [min, max] (each distinct value computed once) when
 * that is shorter than the image; `range` may pass a min/max the caller already has.
 */
export function mapInt16(
  raw: Int16Array,
  fn: (x: number) => number,
  range: { min: number; max: number } = minMax(raw),
): Float32Array {
  const out = new Float32Array(raw.length);
  const { min, max } = range;
  if (raw.length > max - min + 1) {
    const table = new Float32Array(max - min + 1);
    for (let v = min; v <= max; v++) table[v - min] = fn(v);
    for (let i = 0; i < raw.length; i++) out[i] = table[(raw[i] as number) - min] as number;
  } else {
    for (let i = 0; i < raw.length; i++) out[i] = fn(raw[i] as number);
  }
  return out;
}
