// The PNGs `mammoflow decode` writes (jobs/ts/dicom/batch/gray-png.ts): 8-bit gray, rows Up-filtered,
// deflated at zlib level 1 with Huffman coding only; two independent decoders (fast-png, and
// libvips through sharp) read back exactly the input's pixels.
import { inflateSync } from "node:zlib";
import { decode as decodePng } from "fast-png";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import {
  encodeGrayPng,
  GRAY_PNG_DEFLATE,
  grayPngFile,
  pngChunk,
  upFilteredRows,
} from "../../../jobs/ts/dicom/batch/gray-png.ts";

/** The chunks of a PNG file: type and data, in order. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const length = view.getUint32(at);
    out.push({
      type: String.fromCharCode(...png.subarray(at + 4, at + 8)),
      data: png.subarray(at + 8, at + 8 + length),
    });
    at += 12 + length;
  }
  return out;
}

// A 300×240 image with smooth regions, edges and noise, like a rendered mammogram.
function mammogramLike(rows: number, columns: number): Uint8Array {
  const pixels = new Uint8Array(rows * columns);
  let seed = 12345;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const breast = (x - 40) ** 2 + (y - 150) ** 2 < 170 ** 2;
      pixels[y * columns + x] = breast ? (((x + y) >> 1) + (seed >>> 29)) & 0xff : 0;
    }
  }
  return pixels;
}

describe("upFilteredRows", () => {
  it("stores each row as filter byte 2 and its difference to the row above, modulo 256", () => {
    const pixels = Uint8Array.of(10, 255, 0, 12, 0, 255, 12, 0, 7);
    expect([...upFilteredRows(pixels, 3, 3)]).toEqual([2, 10, 255, 0, 2, 2, 1, 255, 2, 0, 0, 8]);
  });

  it("gives the same rows four bytes at a time (columns a multiple of 4) as byte by byte", () => {
    const rows = 7;
    const columns = 12;
    const backing = new Uint8Array(rows * columns + 1);
    let seed = 99;
    for (let i = 0; i < backing.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      backing[i] = seed >>> 24;
    }
    const expected = (pixels: Uint8Array) => {
      const out: number[] = [];
      for (let y = 0; y < rows; y++) {
        out.push(2);
        for (let x = 0; x < columns; x++) {
          const above = y === 0 ? 0 : (pixels[(y - 1) * columns + x] as number);
          out.push(((pixels[y * columns + x] as number) - above + 256) % 256);
        }
      }
      return out;
    };
    const aligned = backing.subarray(0, rows * columns);
    const unaligned = backing.subarray(1); // byteOffset 1: byte by byte
    expect([...upFilteredRows(aligned, rows, columns)]).toEqual(expected(aligned));
    expect([...upFilteredRows(unaligned, rows, columns)]).toEqual(expected(unaligned));
  });

  it("refuses pixels that do not fill rows × columns", () => {
    expect(() => upFilteredRows(new Uint8Array(5), 2, 3)).toThrow("a 2×3 gray image needs 6 pixels, not 5");
  });
});

describe("pngChunk", () => {
  it("writes length, type, data and the CRC-32 of type and data", () => {
    // IEND's CRC is the same in every PNG file: AE 42 60 82.
    expect([...pngChunk("IEND", new Uint8Array(0))]).toEqual([0, 0, 0, 0, 73, 69, 78, 68, 0xae, 0x42, 0x60, 0x82]);
  });
});

describe("grayPngFile", () => {
  it("has the signature, an 8-bit gray IHDR of the size, the image data and IEND", () => {
    const png = grayPngFile(3, 513, Uint8Array.of(1, 2, 3));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(chunks(png).map((c) => [c.type, [...c.data]])).toEqual([
      ["IHDR", [0, 0, 2, 1, 0, 0, 0, 3, 8, 0, 0, 0, 0]],
      ["IDAT", [1, 2, 3]],
      ["IEND", []],
    ]);
  });
});

describe("encodeGrayPng", () => {
  const rows = 300;
  const columns = 240;
  const pixels = mammogramLike(rows, columns);

  it("deflates the Up-filtered rows at level 1, Huffman only (the zlib header says: fastest)", async () => {
    expect(GRAY_PNG_DEFLATE).toEqual({ level: 1, strategy: 2 });
    const idat = chunks(await encodeGrayPng(pixels, rows, columns)).find((c) => c.type === "IDAT")?.data as Uint8Array;
    expect((idat[1] as number) >> 6).toBe(0); // FLEVEL (RFC 1950): 0 = fastest
    expect(Buffer.from(inflateSync(idat)).equals(Buffer.from(upFilteredRows(pixels, rows, columns)))).toBe(true);
  });

  it("decodes to the input's pixels with fast-png and with libvips", async () => {
    const png = await encodeGrayPng(pixels, rows, columns);
    const decoded = decodePng(png);
    expect([decoded.width, decoded.height, decoded.channels, decoded.depth]).toEqual([columns, rows, 1, 8]);
    expect(Buffer.from(decoded.data as Uint8Array).equals(Buffer.from(pixels))).toBe(true);
    const metadata = await sharp(png).metadata();
    expect([metadata.width, metadata.height, metadata.channels, metadata.depth]).toEqual([columns, rows, 1, "uchar"]);
    const data = await sharp(png).toColourspace("b-w").raw().toBuffer();
    expect(data.equals(Buffer.from(pixels))).toBe(true);
  });

  it("is smaller than the level-1 PNG libvips writes of the same pixels", async () => {
    const ours = await encodeGrayPng(pixels, rows, columns);
    const vips = await sharp(pixels, { raw: { width: columns, height: rows, channels: 1 } })
      .toColourspace("b-w")
      .png({ compressionLevel: 1 })
      .toBuffer();
    expect(ours.length).toBeLessThan(vips.length);
  });

  it("refuses an empty size", async () => {
    await expect(encodeGrayPng(new Uint8Array(0), 0, 5)).rejects.toThrow("a PNG needs a positive size, not 0×5");
  });
});
