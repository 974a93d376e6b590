// The PNGs `mammoflow decode` writes: zlib level 1 (cv2.imwrite's default, what the seed's PNGs
// have), the same pixels as at sharp's default level 6.
import { decode as decodePng } from "fast-png";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { DECODE_PNG_COMPRESSION, encodeGrayPng } from "../../../jobs/ts/dicom/batch/write-file.ts";

/** The zlib header's FLEVEL (RFC 1950: 0 = fastest, i.e. levels 0–1; 2 = the default level 6) of the first IDAT. */
function zlibLevelField(png: Uint8Array): number {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at + 8 <= png.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (type === "IDAT") return (png[at + 9] as number) >> 6;
    at += 12 + length;
  }
  throw new Error("no IDAT chunk");
}

describe("encodeGrayPng", () => {
  // A 300×240 image with smooth regions, edges and noise, like a rendered mammogram.
  const rows = 300;
  const columns = 240;
  const pixels = new Uint8Array(rows * columns);
  let seed = 12345;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const breast = (x - 40) ** 2 + (y - 150) ** 2 < 170 ** 2;
      pixels[y * columns + x] = breast ? (((x + y) >> 1) + (seed >>> 29)) & 0xff : 0;
    }
  }

  it("writes level 1, one 8-bit gray channel, the input's pixels", async () => {
    expect(DECODE_PNG_COMPRESSION).toBe(1);
    const png = await encodeGrayPng(pixels, rows, columns);
    expect(zlibLevelField(png)).toBe(0);
    const decoded = decodePng(png);
    expect([decoded.width, decoded.height, decoded.channels, decoded.depth]).toEqual([columns, rows, 1, 8]);
    expect(Buffer.from(decoded.data as Uint8Array).equals(Buffer.from(pixels))).toBe(true);
  });

  it("decodes to the same pixels as the level-6 PNG it replaced, which is smaller", async () => {
    const fast = await encodeGrayPng(pixels, rows, columns);
    const level6 = await sharp(pixels, { raw: { width: columns, height: rows, channels: 1 } })
      .toColourspace("b-w")
      .png()
      .toBuffer();
    expect(zlibLevelField(level6)).toBe(2);
    expect(
      Buffer.from(decodePng(fast).data as Uint8Array).equals(Buffer.from(decodePng(level6).data as Uint8Array)),
    ).toBe(true);
    expect(fast.length).toBeGreaterThan(level6.length);
  });
});
