import {
  type FitSize,
  fitSize,
  type RowSource,
  resizeBilinearTorch,
  resizeRowsBilinearTorch,
} from "./torch-bilinear.ts";

/** YOLOX pads the fit-resized image with this gray level (bottom and right). */
export const YOLOX_PAD_VALUE = 114;

/** What the detector sees, and what the Otsu fallback and the box mapping need from it. */
export interface YoloxInput {
  /** 1×3×inputHeight×inputWidth float32, 0..255, gray replicated, no normalisation. */
  tensor: Float32Array;
  /** The fit-resized image before padding (fit.height × fit.width). */
  resized: Float32Array;
  fit: FitSize;
}

/**
 * `RoiExtractor.preprocess_single` (docs/seed-pipeline.md#detector-input): fit-resize the 0..255 float image into
 * the detector's input with torch bilinear, put it top-left on a canvas of 114, replicate to
 * three channels. The image is the whole float image, or its rows on demand (`yoloxInputRows`).
 */
export function buildYoloxInput(
  image: Float32Array | RowSource,
  height: number,
  width: number,
  inputHeight: number,
  inputWidth: number,
): YoloxInput {
  const fit = fitSize(height, width, inputHeight, inputWidth);
  const resized =
    typeof image === "function"
      ? resizeRowsBilinearTorch(image, height, width, fit.height, fit.width)
      : resizeBilinearTorch(image, height, width, fit.height, fit.width);
  const plane = inputHeight * inputWidth;
  const tensor = new Float32Array(3 * plane).fill(YOLOX_PAD_VALUE);
  for (let y = 0; y < fit.height; y++) {
    tensor.set(resized.subarray(y * fit.width, (y + 1) * fit.width), y * inputWidth);
  }
  tensor.copyWithin(plane, 0, plane);
  tensor.copyWithin(2 * plane, 0, plane);
  return { tensor, resized, fit };
}
