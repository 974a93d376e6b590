import { promisify } from "node:util";
import zlib from "node:zlib";
import { nativePixelsFor } from "../codecs/native-pixels.ts";

// The PNGs `mammoflow decode` writes: one 8-bit gray channel, lossless (PNG 1.2 / ISO 15948).
// Written here with node:zlib rather than sharp: loading sharp and libvips cost a decode run
// 0.1–0.2 CPU-s per process, more than encoding a mammogram does.

/**
 * How the image data is deflated. Every row is stored with filter 2 (Up: each byte minus the one
 * above it), and the residuals are Huffman-coded without string matching, at zlib level 1 (the
 * level the seed's cv2.imwrite PNGs have; its header says "fastest"). A rendered 3000×2400
 * mammogram is smooth from row to row: Up leaves mostly small residuals that Huffman coding alone
 * packs to 3.1 MB, as small as Z_RLE (cv2's default strategy) and 40 % smaller than sharp's level-1
 * file, in about 0.05 CPU-s.
 */
export const GRAY_PNG_DEFLATE = {
  level: 1,
  strategy: zlib.constants.Z_HUFFMAN_ONLY,
} as const satisfies zlib.ZlibOptions;
const UP_FILTER = 2;

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const deflate = promisify(zlib.deflate);

/** The image data before deflating: each row as its filter byte (Up) and `columns` residuals. */
export function upFilteredRows(pixels: Uint8Array, rows: number, columns: number): Uint8Array {
  requirePixelCount(pixels, rows, columns);
  const stride = columns + 1;
  const out = new Uint8Array(rows * stride);
  // Four bytes at a time where rows start on 4-byte boundaries (3000×2400 mammograms do): the
  // filtered rows themselves are one byte off, so each is computed into `row` and copied.
  const words = columns % 4 === 0 && pixels.byteOffset % 4 === 0 ? columns / 4 : 0;
  const image = words > 0 ? new Uint32Array(pixels.buffer, pixels.byteOffset, words * rows) : new Uint32Array(0);
  const row = new Uint32Array(words);
  const rowBytes = new Uint8Array(row.buffer);
  for (let y = 0; y < rows; y++) {
    const at = y * stride;
    const from = y * columns;
    out[at] = UP_FILTER;
    // Row 0 has no row above: Up takes it as zeros, the bytes stay as they are.
    if (y === 0) out.set(pixels.subarray(0, columns), at + 1);
    else if (words > 0) {
      const current = y * words;
      for (let w = 0; w < words; w++) {
        row[w] = subtractBytes(image[current + w] as number, image[current - words + w] as number);
      }
      out.set(rowBytes, at + 1);
    } else {
      for (let x = 0; x < columns; x++)
        out[at + 1 + x] = (pixels[from + x] as number) - (pixels[from - columns + x] as number);
    }
  }
  return out;
}

function requirePixelCount(pixels: Uint8Array, rows: number, columns: number): void {
  if (pixels.length !== rows * columns) {
    throw new Error(`a ${rows}×${columns} gray image needs ${rows * columns} pixels, not ${pixels.length}`);
  }
}

/** a − b in each of the four bytes of two 32-bit words, modulo 256, with no borrow between bytes (Hacker's Delight 2-18). */
function subtractBytes(a: number, b: number): number {
  return ((a | 0x80808080) - (b & 0x7f7f7f7f)) ^ ((a ^ ~b) & 0x80808080);
}

/** One PNG chunk: length, type, data and the CRC-32 of type and data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) chunk[4 + i] = type.charCodeAt(i);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, zlib.crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
}

/** A whole PNG file of an 8-bit gray image whose deflated image data is `idat`. */
export function grayPngFile(rows: number, columns: number, idat: Uint8Array): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, columns);
  view.setUint32(4, rows);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: grayscale; compression, filter method and interlace stay 0
  return Buffer.concat([
    SIGNATURE,
    pngChunk("IHDR", header),
    pngChunk("IDAT", idat),
    pngChunk("IEND", new Uint8Array(0)),
  ]);
}

/**
 * One-channel 8-bit PNG of a row-major grayscale image: filtered and deflated by the native pixel
 * kernels (the same filter and coding, about 3× faster than zlib's general loop, on this thread),
 * or else by upFilteredRows and node:zlib on libuv's threads.
 */
export async function encodeGrayPng(pixels: Uint8Array, rows: number, columns: number): Promise<Uint8Array> {
  if (!(Number.isInteger(rows) && Number.isInteger(columns) && rows > 0 && columns > 0)) {
    throw new Error(`a PNG needs a positive size, not ${rows}×${columns}`);
  }
  requirePixelCount(pixels, rows, columns);
  const native = nativePixelsFor(pixels.length);
  if (native) return grayPngFile(rows, columns, native.deflateUpRows(pixels, rows, columns));
  const idat = await deflate(upFilteredRows(pixels, rows, columns), GRAY_PNG_DEFLATE);
  return grayPngFile(rows, columns, idat);
}
