import { describe, expect, it } from "vitest";
import { percentileUint8 } from "../../../jobs/ts/roi/otsu.ts";
import { detectionToImageBox, resizedToImageBox } from "../../../jobs/ts/roi/select-box.ts";
import { fitSize, resizeBilinearTorch } from "../../../jobs/ts/roi/torch-bilinear.ts";
import {
  decodeAnchor,
  topYoloxDetection,
  YOLOX_CHANNELS,
  type YoloxDetection,
  yoloxGrid,
} from "../../../jobs/ts/roi/yolox-decode.ts";
import { buildYoloxInput } from "../../../jobs/ts/roi/yolox-input.ts";

/** A raw detector output with every anchor at score 0 except the given ones. */
function rawOutput(anchors: number, set: Record<number, [number, number, number, number, number, number]>) {
  const out = new Float32Array(anchors * YOLOX_CHANNELS);
  for (const [anchor, values] of Object.entries(set)) out.set(values, Number(anchor) * YOLOX_CHANNELS);
  return out;
}

describe("fit-resize sizes (torch recompute_scale_factor=True)", () => {
  it("floors size·r in float64 and keeps r = min(target/H, target/W)", () => {
    expect(fitSize(3000, 2400, 416, 416)).toEqual({ ratio: 416 / 3000, height: 416, width: 332 });
    expect(fitSize(1000, 3000, 416, 416)).toEqual({ ratio: 416 / 3000, height: 138, width: 416 });
    expect(fitSize(97, 61, 2048, 1024)).toEqual({ ratio: 1024 / 61, height: 1628, width: 1024 });
    expect(() => fitSize(10_000, 1, 416, 416)).toThrow(/no pixels left/);
  });

  it("interpolates like torch: 2×1 → 4×1 upsample gives the align_corners=False ramp", () => {
    // src = (dst + 0.5)·0.5 − 0.5 → −0.25 (clamped 0), 0.25, 0.75, 1.25 (index capped at 1).
    expect(Array.from(resizeBilinearTorch([0, 100], 2, 1, 4, 1))).toEqual([0, 25, 75, 100]);
    expect(Array.from(resizeBilinearTorch([0, 100], 1, 2, 1, 4))).toEqual([0, 25, 75, 100]);
  });
});

describe("YOLOX input", () => {
  it("puts the resized image top-left on 114 and replicates it to 3 planes", () => {
    const image = new Float32Array(64 * 32).fill(7);
    const input = buildYoloxInput(image, 64, 32, 32, 32);
    expect([input.fit.height, input.fit.width]).toEqual([32, 16]);
    const plane = 32 * 32;
    for (const c of [0, 1, 2]) {
      expect(input.tensor[c * plane + 0]).toBe(7);
      expect(input.tensor[c * plane + 15]).toBe(7);
      expect(input.tensor[c * plane + 16]).toBe(114);
      expect(input.tensor[c * plane + 31 * 32 + 15]).toBe(7);
    }
  });
});

describe("YOLOX decode and top box", () => {
  const grid = yoloxGrid(416, 416);
  it("has 52² + 26² + 13² anchors at 416 and refuses sizes off the stride", () => {
    expect(grid.anchors).toBe(3549);
    expect(grid.levels.map((l) => [l.stride, l.gridWidth, l.first])).toEqual([
      [8, 52, 0],
      [16, 26, 2704],
      [32, 13, 3380],
    ]);
    expect(() => yoloxGrid(400, 416)).toThrow(/400×416 is not a multiple of stride 32/);
  });

  it("decodes (tx+gx)·s, exp(tw)·s into corners, row-major within a level", () => {
    // Anchor 2704 + 26 + 3 is level 16 at gx = 3, gy = 1.
    const anchor = 2704 + 26 + 3;
    const out = rawOutput(3549, { [anchor]: [0.5, 0.25, Math.log(4), Math.log(2), 0.8, 0.9] });
    const d = decodeAnchor(out, grid, anchor);
    expect(d).toEqual({
      anchor,
      x0: (3.5 * 16 - 32) as number,
      y0: 1.25 * 16 - 16,
      x1: 3.5 * 16 + 32,
      y1: 1.25 * 16 + 16,
      score: Math.fround(Math.fround(0.8) * Math.fround(0.9)),
    } satisfies YoloxDetection);
  });

  it("keeps score ≥ threshold, takes the highest, the first anchor on ties", () => {
    const out = rawOutput(3549, {
      10: [0, 0, 0, 0, 0.5, 1],
      20: [0, 0, 0, 0, 1, 0.7],
      30: [0, 0, 0, 0, 0.7, 1],
    });
    expect(topYoloxDetection(out, grid, 0.5)?.anchor).toBe(20);
    expect(topYoloxDetection(out, grid, 0.71)).toBeUndefined();
    expect(topYoloxDetection(rawOutput(3549, { 5: [0, 0, 0, 0, 0.5, 1] }), grid, 0.5)?.anchor).toBe(5);
    expect(() => topYoloxDetection(new Float32Array(6), grid, 0.5)).toThrow(/3549 anchors/);
  });
});

describe("box mapping back to the image", () => {
  it("divides by r in float32, truncates toward zero, clamps, and measures the integer box", () => {
    const det = { anchor: 0, x0: -3.7, y0: 10.9, x1: 300.2, y1: 500, score: 0.9 };
    const box = detectionToImageBox(det, 0.5, 900, 500);
    expect(box).toEqual({ x0: 0, y0: 21, x1: 500, y1: 900, areaFraction: (500 * 879) / (900 * 500) });
  });

  it("maps Otsu boxes with int(v / r) in float64", () => {
    expect(resizedToImageBox({ x0: 1, y0: 2, x1: 331, y1: 416 }, 416 / 3000, 3000, 2400)).toEqual({
      x0: 7,
      y0: 14,
      x1: 2387,
      y1: 3000,
    });
  });
});

describe("percentile of uint8 (NumPy linear)", () => {
  it("matches np.percentile on small arrays", () => {
    // np.percentile([1, 2, 3, 4], 95) = 3.85; of [0, 10] at 95 = 9.5; of [5] = 5.
    expect(percentileUint8(Uint8Array.from([4, 1, 3, 2]), 95)).toBeCloseTo(3.85, 12);
    expect(percentileUint8(Uint8Array.from([0, 10]), 95)).toBe(9.5);
    expect(percentileUint8(Uint8Array.from([5]), 95)).toBe(5);
  });
});
