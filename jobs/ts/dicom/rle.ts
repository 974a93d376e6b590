import { DicomError } from "./errors.ts";
import type { PixelFormat } from "./pixel-format.ts";

/**
 * RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one PackBits segment
 * per byte plane, most significant byte of each sample first. Returns little-endian samples,
 * interleaved when there are three (the layout pydicom returns).
 */
export function decodeRle(frame: Uint8Array, format: PixelFormat): Uint8Array {
  if (frame.length < 64)
    throw new DicomError("truncated", `RLE frame has ${frame.length} bytes, less than its 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segmentCount = view.getUint32(0, true);
  const bytesPerSample = format.bitsAllocated / 8;
  const expected = format.samplesPerPixel * bytesPerSample;
  if (segmentCount !== expected) {
    throw new DicomError(
      "inconsistent-size",
      `RLE frame has ${segmentCount} segments, the header needs ${expected} (${format.samplesPerPixel} samples × ${bytesPerSample} bytes)`,
    );
  }
  const offsets: number[] = [];
  for (let i = 0; i < segmentCount; i++) offsets.push(view.getUint32(4 + 4 * i, true));
  const pixels = format.rows * format.columns;
  const out = new Uint8Array(pixels * expected);
  const stride = expected;
  for (let seg = 0; seg < segmentCount; seg++) {
    const start = offsets[seg] as number;
    const end = seg + 1 < segmentCount ? (offsets[seg + 1] as number) : frame.length;
    if (start < 64 || end > frame.length || start > end) {
      throw new DicomError(
        "inconsistent-size",
        `RLE segment ${seg + 1} spans bytes ${start}..${end} of a ${frame.length}-byte frame`,
      );
    }
    const sample = Math.floor(seg / bytesPerSample);
    const byteOfSample = bytesPerSample - 1 - (seg % bytesPerSample);
    unpackBits(frame, start, end, out, sample * bytesPerSample + byteOfSample, stride, pixels, seg + 1);
  }
  return out;
}

function unpackBits(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  first: number,
  stride: number,
  count: number,
  segment: number,
): void {
  let i = start;
  let n = 0;
  let at = first;
  // Like pydicom, a literal cut short by the segment end copies what is there, and runs past the
  // image size (non-conformant padding) are ignored.
  while (n < count && i < end) {
    const header = src[i++] as number;
    if (header < 128) {
      const run = Math.min(header + 1, end - i, count - n);
      for (let k = 0; k < run; k++, at += stride) out[at] = src[i + k] as number;
      i += header + 1;
      n += run;
    } else if (header > 128) {
      if (i >= end) break;
      const run = Math.min(257 - header, count - n);
      const value = src[i++] as number;
      for (let k = 0; k < run; k++, at += stride) out[at] = value;
      n += run;
    }
  }
  if (n !== count) {
    throw new DicomError("inconsistent-size", `RLE segment ${segment} decodes to ${n} bytes, the image needs ${count}`);
  }
}
