import { nativePixelsFor } from "../codecs/native-pixels.ts";
import type { StoredPixels } from "../stored-values.ts";

/**
 * The seed's raw image: stored values cast to int16 (`astype(np.int16)`, or DALI's uint16
 * bit-copied into an int16 tensor), so unsigned values ≥ 32768 wrap negative (docs/seed-pipeline.md#raw-integers).
 */
export function toSeedInt16(pixels: StoredPixels): Int16Array {
  if (pixels instanceof Int16Array) return pixels;
  // uint16 → int16 is a bit copy: a view of the same bytes gives the values a copy would, without
  // a second 14 MB image. Callers only read the raw image (it may be the stored pixels themselves).
  if (pixels instanceof Uint16Array) return new Int16Array(pixels.buffer, pixels.byteOffset, pixels.length);
  const out = new Int16Array(pixels.length);
  out.set(pixels);
  return out;
}

export function minMax(values: ArrayLike<number>): { min: number; max: number } {
  if (values instanceof Int16Array) {
    const native = nativePixelsFor(values.length);
    if (native) return native.minMaxInt16(values);
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}
