import type { StoredPixels } from "../stored-values.ts";
import { castToUint8 } from "./cast.ts";
import { mapInt16, mapInt16ToUint8 } from "./map-int16.ts";
import { minMax } from "./seed-int16.ts";

const f32 = Math.fround;
const wrapInt16 = (v: number) => (v << 16) >> 16;

/**
 * The seed's `min_max_scale` on its int16 torch tensor (docs/seed-pipeline.md#no-window, docs/seed-pipeline.md#path-a--inference step 3): int16
 * subtraction (wrapping like the tensor does), then true division in float32. A constant image
 * gives `x − min` = 0.
 */
export function minMaxScaleInt16(raw: Int16Array): Float32Array {
  const out = new Float32Array(raw.length);
  const { min, max } = minMax(raw);
  if (!(max > min)) return out;
  const range = wrapInt16(max - min);
  for (let i = 0; i < raw.length; i++) out[i] = f32(wrapInt16((raw[i] as number) - min) / range);
  return out;
}

/** `minMaxTimes255Int16` of one int16 value, given the image's min and max. */
export function minMaxTimes255Of(min: number, max: number, invert: boolean): (x: number) => number {
  const span = wrapInt16(max - min);
  return (x) => {
    const y = max > min ? f32(f32(wrapInt16(x - min) / span) * 255) : 0;
    return invert ? f32(255 - y) : y;
  };
}

/**
 * `minMaxScaleInt16(raw) · 255`, then `255 − y` when inverting: the YOLOX input and the no-window
 * crop (the same float32 operations per value, through a table over [min, max]).
 */
export function minMaxTimes255Int16(raw: Int16Array, invert: boolean): Float32Array {
  const range = minMax(raw);
  return mapInt16(raw, minMaxTimes255Of(range.min, range.max, invert), range);
}

/** `truncateToUint8(minMaxTimes255Int16(raw, invert))`, without the float image. */
export function minMaxTimes255Uint8(raw: Int16Array, invert: boolean): Uint8Array {
  const range = minMax(raw);
  return mapInt16ToUint8(raw, minMaxTimes255Of(range.min, range.max, invert), range);
}

/**
 * `minMaxTimes255Int16` a row at a time, for a reader that needs only some rows (the YOLOX
 * fit-resize reads at most two per output row): the same values, without the full float image.
 */
export function minMaxTimes255Int16Rows(
  raw: Int16Array,
  columns: number,
  invert: boolean,
): (y: number) => Float32Array {
  const { min, max } = minMax(raw);
  const value = minMaxTimes255Of(min, max, invert);
  const table = new Float32Array(raw.length > 0 ? max - min + 1 : 0);
  for (let v = min; v <= max; v++) table[v - min] = value(v);
  return (y) => {
    const row = new Float32Array(columns);
    const from = y * columns;
    for (let x = 0; x < columns; x++) row[x] = table[(raw[from + x] as number) - min] as number;
    return row;
  };
}

/** Subtraction in the stored NumPy dtype, which wraps for (u)int8/(u)int16/(u)int32 arrays. */
function dtypeWrap(pixels: StoredPixels): (v: number) => number {
  if (pixels instanceof Uint8Array) return (v) => v & 0xff;
  if (pixels instanceof Int8Array) return (v) => (v << 24) >> 24;
  if (pixels instanceof Uint16Array) return (v) => v & 0xffff;
  if (pixels instanceof Int16Array) return wrapInt16;
  if (pixels instanceof Uint32Array) return (v) => v >>> 0;
  return (v) => v | 0;
}

/**
 * Path C (ROI-detector training images, `normalize_dicom_img(method='min_max')`, legacy):
 * on the stored dtype, `(x − min)/(max − min)` in float64, `1 − v` for MONOCHROME1, `· 255`,
 * truncated to uint8. A constant image gives NaN there, which NumPy casts to 0 on x86.
 */
export function minMaxLegacyUint8(pixels: StoredPixels, invert: boolean): Uint8Array {
  const out = new Uint8Array(pixels.length);
  const { min, max } = minMax(pixels);
  const wrap = dtypeWrap(pixels);
  const range = wrap(max - min);
  if (range === 0) return out;
  for (let i = 0; i < pixels.length; i++) {
    const v = wrap((pixels[i] as number) - min) / range;
    const y = (invert ? 1 - v : v) * 255;
    out[i] = castToUint8(y);
  }
  return out;
}
