import type { PixelBox } from "./otsu.ts";
import type { YoloxDetection } from "./yolox-decode.ts";

const f32 = Math.fround;

/** Which rule produced the crop: the detector, the Otsu fallback, or neither (full frame). */
export type RoiBranch = "yolox" | "otsu" | "full";

/** The crop of the raw image, end-exclusive, in original pixels. */
export interface BreastBox extends PixelBox {
  branch: RoiBranch;
  /** Box area (detector) or contour area (Otsu) over the image area; 1 for the full frame. */
  areaFraction: number;
}

const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);

/**
 * `detect_single` for a detector box: divide the float32 corners by the ratio in float32 (the
 * seed divides a float32 tensor by a Python float), truncate toward zero, clamp to the image.
 * The area fraction is that of the mapped integer box.
 */
export function detectionToImageBox(
  detection: YoloxDetection,
  ratio: number,
  height: number,
  width: number,
): Omit<BreastBox, "branch"> {
  const r = f32(ratio);
  const map = (v: number, hi: number) => clamp(Math.trunc(f32(v / r)), hi);
  const box = {
    x0: map(detection.x0, width),
    y0: map(detection.y0, height),
    x1: map(detection.x1, width),
    y1: map(detection.y1, height),
  };
  return { ...box, areaFraction: ((box.x1 - box.x0) * (box.y1 - box.y0)) / (height * width) };
}

/** The Otsu box back in original pixels: `int(v / ratio)` in float64 (Python ints and floats), clamped. */
export function resizedToImageBox(box: PixelBox, ratio: number, height: number, width: number): PixelBox {
  const map = (v: number, hi: number) => clamp(Math.trunc(v / ratio), hi);
  return { x0: map(box.x0, width), y0: map(box.y0, height), x1: map(box.x1, width), y1: map(box.y1, height) };
}

export function fullFrame(height: number, width: number): BreastBox {
  return { x0: 0, y0: 0, x1: width, y1: height, branch: "full", areaFraction: 1 };
}
