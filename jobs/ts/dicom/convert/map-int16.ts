import { nativePixelsFor } from "../codecs/native-pixels.ts";
import { castToUint8 } from "./cast.ts";
import { minMax } from "./seed-int16.ts";

const f32 = Math.fround;

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

/**
 * `truncateToUint8(mapInt16(raw, fn, range))` without the float image: each value goes through
 * the same float32 result (`fn`, stored as float32) and the same cast, once per distinct value
 * through a uint8 table over [min, max]. A 3000×2400 image's float copy and its second pass were
 * most of its render time.
 */
export function mapInt16ToUint8(
  raw: Int16Array,
  fn: (x: number) => number,
  range: { min: number; max: number } = minMax(raw),
): Uint8Array {
  const { min, max } = range;
  if (raw.length > max - min + 1) {
    const table = new Uint8Array(max - min + 1);
    for (let v = min; v <= max; v++) table[v - min] = castToUint8(f32(fn(v)));
    const native = nativePixelsFor(raw.length);
    if (native) return native.lookupInt16(raw, min, table);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = table[(raw[i] as number) - min] as number;
    return out;
  }
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = castToUint8(f32(fn(raw[i] as number)));
  return out;
}
