import { fitSize, resizeBilinearTorch } from "../roi/torch-bilinear.ts";

/** A classifier image: single-channel uint8 on the model's canvas, with where the crop went. */
export interface ClassifierImage {
  pixels: Uint8Array;
  height: number;
  width: number;
  /** Placement of the resized crop on the zero canvas. */
  top: number;
  left: number;
  resizedHeight: number;
  resizedWidth: number;
}

/**
 * `resize_and_pad` of the seed's submission (docs/seed-pipeline.md#classifier-input): fit-resize the windowed float
 * crop into the canvas with torch bilinear (r = min(H/h, W/w), upscaling allowed), centre it on
 * zeros at ((H−h')//2, (W−w')//2), then truncate to uint8 — after resizing, as the seed's
 * inference does (its training crops were truncated before; docs/seed-pipeline.md#known-quirks, item 4).
 */
export function resizeAndPad(
  crop: Float32Array,
  cropHeight: number,
  cropWidth: number,
  canvasHeight: number,
  canvasWidth: number,
): ClassifierImage {
  const fit = fitSize(cropHeight, cropWidth, canvasHeight, canvasWidth);
  const resized = resizeBilinearTorch(crop, cropHeight, cropWidth, fit.height, fit.width);
  const top = Math.floor((canvasHeight - fit.height) / 2);
  const left = Math.floor((canvasWidth - fit.width) / 2);
  const pixels = new Uint8Array(canvasHeight * canvasWidth);
  for (let y = 0; y < fit.height; y++) {
    const row = (top + y) * canvasWidth + left;
    const from = y * fit.width;
    for (let x = 0; x < fit.width; x++) {
      const v = resized[from + x] as number;
      // torch's float → uint8 cast truncates; the windowed values lie in [0, 255].
      pixels[row + x] = v <= 0 ? 0 : Math.min(v, 255);
    }
  }
  return {
    pixels,
    height: canvasHeight,
    width: canvasWidth,
    top,
    left,
    resizedHeight: fit.height,
    resizedWidth: fit.width,
  };
}

/** Writes one image into slot `index` of an `[N,3,H,W]` float32 batch, gray replicated to three channels. */
export function fillBatchSlot(batch: Float32Array, index: number, image: ClassifierImage): void {
  const plane = image.height * image.width;
  const offset = index * 3 * plane;
  if (offset + 3 * plane > batch.length) throw new RangeError(`batch has no slot ${index}`);
  for (let i = 0; i < plane; i++) batch[offset + i] = image.pixels[i] as number;
  batch.copyWithin(offset + plane, offset, offset + plane);
  batch.copyWithin(offset + 2 * plane, offset, offset + plane);
}
