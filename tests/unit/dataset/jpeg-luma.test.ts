import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeGray8Jpeg } from "../../../jobs/ts/dataset/crop/decode.ts";
import { jpegLuma } from "../../../jobs/ts/dataset/crop/jpeg-luma.ts";

const PYTHON = path.resolve(import.meta.dirname, "../../../.venv/bin/python");
const SCRIPT = path.resolve(import.meta.dirname, "support/colour_jpegs.py");

/** A tinted gradient with a saturated corner, as RGB bytes for sharp. */
function rgbPicture(rows: number, columns: number): Uint8Array {
  const data = new Uint8Array(rows * columns * 3);
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const g = (40 + (180 * x) / columns + ((x * 7 + y * 13) % 23)) | 0;
      const i = (y * columns + x) * 3;
      data.set(y < rows / 4 && x > columns / 2 ? [255, 0, 0] : [Math.min(255, g + 20), g, Math.max(0, g - 25)], i);
    }
  }
  return data;
}

describe("colour CDD-CESM JPEGs read as the seed's cv2.imread(path, IMREAD_ANYDEPTH): libjpeg's luma", () => {
  let dir = "";
  let shapes: Record<string, [number, number]> = {};
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "jpeg-luma-"));
    // sharp's encoder (libvips' libjpeg) too, not only OpenCV's: other Huffman tables and markers.
    for (const [rows, columns, subsampling] of [
      [50, 70, "4:2:0"],
      [33, 17, "4:4:4"],
    ] as const) {
      await sharp(rgbPicture(rows, columns), { raw: { width: columns, height: rows, channels: 3 } })
        .jpeg({ quality: 85, chromaSubsampling: subsampling })
        .toFile(path.join(dir, `sharp_${rows}x${columns}_${subsampling.replaceAll(":", "")}.jpg`));
    }
    const run = spawnSync(PYTHON, [SCRIPT, dir], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`colour_jpegs.py failed: ${run.stderr}`);
    shapes = JSON.parse(run.stdout);
  }, 120_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("every sequential file: byte-identical to OpenCV (sizes, 4:2:0/4:2:2/4:4:4/4:1:1, qualities, restarts)", async () => {
    const names = Object.keys(shapes).filter((n) => n !== "cv2_progressive.jpg");
    expect(names.length).toBe(4 * 4 * 3 + 2);
    let libvipsDiffers = 0;
    for (const name of names) {
      const bytes = new Uint8Array(await readFile(path.join(dir, name)));
      const expected = new Uint8Array(await readFile(path.join(dir, `${name}.gray`)));
      const [rows, columns] = shapes[name] as [number, number];
      const luma = jpegLuma(bytes);
      expect(luma, name).toBeDefined();
      expect([luma?.rows, luma?.columns], name).toEqual([rows, columns]);
      const differing = expected.reduce((n, v, i) => n + (v === luma?.pixels[i] ? 0 : 1), 0);
      expect(differing, `${name}: pixels differing from OpenCV`).toBe(0);
      expect(Buffer.from((await decodeGray8Jpeg(bytes)).pixels).equals(Buffer.from(expected)), name).toBe(true);
      // What the stage did before: libvips' own RGB → B-W conversion.
      const { data } = await sharp(bytes).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
      if (!Buffer.from(data).equals(Buffer.from(expected))) libvipsDiffers++;
    }
    expect(libvipsDiffers).toBe(names.length); // the test sees the difference the decoder removes
  }, 120_000);

  it("outside its scope (progressive, grayscale) jpegLuma declines and libvips decodes", async () => {
    const progressive = new Uint8Array(await readFile(path.join(dir, "cv2_progressive.jpg")));
    expect(jpegLuma(progressive)).toBeUndefined();
    expect((await decodeGray8Jpeg(progressive)).pixels.length).toBe(40 * 30);
    const gray = await sharp(
      Uint8Array.from({ length: 64 }, (_, i) => i * 4),
      { raw: { width: 8, height: 8, channels: 1 } },
    )
      .toColourspace("b-w")
      .jpeg({ quality: 100 })
      .toBuffer();
    expect(jpegLuma(new Uint8Array(gray))).toBeUndefined();
  });
});
