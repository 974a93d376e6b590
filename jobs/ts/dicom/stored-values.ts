import { nativePixelsFor } from "./codecs/native-pixels.ts";
import type { PixelFormat } from "./pixel-format.ts";

/**
 * Stored pixel values in the NumPy dtype pydicom returns for the format: (u)int8, (u)int16 or
 * (u)int32 by BitsAllocated and PixelRepresentation.
 */
export type StoredPixels = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

export type DecodedSamples = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

export function allocateStored(format: PixelFormat, count: number): StoredPixels {
  const signed = format.pixelRepresentation === 1;
  switch (format.bitsAllocated) {
    case 8:
      return signed ? new Int8Array(count) : new Uint8Array(count);
    case 16:
      return signed ? new Int16Array(count) : new Uint16Array(count);
    case 32:
      return signed ? new Int32Array(count) : new Uint32Array(count);
  }
}

/**
 * Decoded samples (any width a codec produced) in the stored dtype, keeping only the BitsStored
 * low bits, sign-extended when PixelRepresentation is 1: what pydicom does for unused high bits
 * (PS3.5 §8.1.1) and for JPEG 2000 codestreams whose signedness disagrees with the header.
 * TypedArray#set reinterprets by modular conversion, which is the bit copy we want.
 *
 * `owned`: the samples are a fresh array no one else holds (a codec's output), so samples of the
 * stored width are made stored values in place, as a view of the stored type over the same bytes
 * (the same bits a copy would give). A 3000×2400 mammogram's copy and its garbage were a tenth of
 * its JPEG Lossless decode. Native pixel data is a view of the caller's file and is copied.
 */
export function toStoredValues(format: PixelFormat, samples: DecodedSamples, owned = false): StoredPixels {
  const out =
    owned && samples.BYTES_PER_ELEMENT * 8 === format.bitsAllocated
      ? storedView(format, samples)
      : allocateStored(format, samples.length);
  if (out.buffer !== samples.buffer) out.set(samples);
  applyBitsStored(format, out);
  return out;
}

function storedView(format: PixelFormat, samples: DecodedSamples): StoredPixels {
  const { buffer, byteOffset, length } = samples;
  const signed = format.pixelRepresentation === 1;
  switch (format.bitsAllocated) {
    case 8:
      return signed ? new Int8Array(buffer, byteOffset, length) : new Uint8Array(buffer, byteOffset, length);
    case 16:
      return signed ? new Int16Array(buffer, byteOffset, length) : new Uint16Array(buffer, byteOffset, length);
    case 32:
      return signed ? new Int32Array(buffer, byteOffset, length) : new Uint32Array(buffer, byteOffset, length);
  }
}

export function applyBitsStored(format: PixelFormat, values: StoredPixels): void {
  const { bitsStored, bitsAllocated } = format;
  if (bitsStored >= bitsAllocated) return;
  const n = values.length;
  if (format.pixelRepresentation === 1) {
    const shift = 32 - bitsStored;
    for (let i = 0; i < n; i++) values[i] = ((values[i] as number) << shift) >> shift;
    return;
  }
  if (values instanceof Uint16Array) {
    // 12- and 14-bit mammograms in 16 bits: the addon's loop where it is built (a tenth of the time).
    const keepLowBits = nativePixelsFor(n)?.keepLowBitsUint16;
    if (keepLowBits) {
      keepLowBits(values, bitsStored);
      return;
    }
  }
  const mask = bitsStored === 32 ? 0xffffffff : (1 << bitsStored) - 1;
  let i = 0;
  if (values.BYTES_PER_ELEMENT === 2 && values.byteOffset % 4 === 0) {
    // Two unsigned 16-bit samples per 32-bit word with the mask in both halves: the same bits,
    // half the loop (12- and 14-bit mammograms in 16 bits are the common case).
    const words = new Uint32Array(values.buffer, values.byteOffset, n >>> 1);
    const pair = (mask | (mask << 16)) >>> 0;
    for (let w = 0; w < words.length; w++) words[w] = (words[w] as number) & pair;
    i = words.length * 2;
  }
  for (; i < n; i++) values[i] = ((values[i] as number) & mask) >>> 0;
}

/** Little-endian bytes of samples BitsAllocated wide, as a view of that width (copying only when unaligned). */
export function viewLittleEndian(bytes: Uint8Array, bitsAllocated: 8 | 16 | 32, count: number): DecodedSamples {
  const width = bitsAllocated / 8;
  const needed = count * width;
  const aligned = bytes.byteOffset % width === 0 ? bytes : bytes.slice(0, needed);
  if (bitsAllocated === 8) return new Uint8Array(aligned.buffer, aligned.byteOffset, count);
  if (bitsAllocated === 16) return new Uint16Array(aligned.buffer, aligned.byteOffset, count);
  return new Uint32Array(aligned.buffer, aligned.byteOffset, count);
}

/** Big-endian samples to little-endian, into a fresh buffer (Explicit VR Big Endian pixel data). */
export function swapToLittleEndian(bytes: Uint8Array, bitsAllocated: 8 | 16 | 32, count: number): Uint8Array {
  const width = bitsAllocated / 8;
  const out = new Uint8Array(count * width);
  if (width === 1) {
    out.set(bytes.subarray(0, count));
    return out;
  }
  for (let i = 0; i < count; i++) {
    const s = i * width;
    for (let b = 0; b < width; b++) out[s + b] = bytes[s + width - 1 - b] as number;
  }
  return out;
}

/** Planar (R…G…B…) to interleaved (RGBRGB…), the layout pydicom returns. */
export function planarToInterleaved<T extends StoredPixels>(values: T, pixels: number): T {
  const out = values.slice() as T;
  for (let p = 0; p < pixels; p++) {
    out[p * 3] = values[p] as number;
    out[p * 3 + 1] = values[pixels + p] as number;
    out[p * 3 + 2] = values[2 * pixels + p] as number;
  }
  return out;
}
