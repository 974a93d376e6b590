/** A breast box in pixels of the full image, end-exclusive: the crop is `I[y0:y1, x0:x1]`. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Which rule chose the crop (docs/seed-pipeline.md#box-selection-and-fallbacks). */
export type BoxSource = "yolox" | "otsu" | "full";

export interface FoundBox {
  box?: Box;
  source: BoxSource;
}

/**
 * The ROI step as prepare-dataset sees it: the float image YOLOX is given (rows × columns,
 * 0..255, the seed's `img_yolox`) → the box to crop, or none for the full frame.
 */
export type BoxFinder = (yoloxInput: Float32Array, rows: number, columns: number) => Promise<FoundBox>;

/** The seed's last fallback, used when no detector is configured: the whole image. */
export const fullFrameFinder: BoxFinder = async () => ({ source: "full" });

/**
 * Runs a finder the way the seed does: any exception means the full frame (the seed prints
 * "ROI extract exception!" and crops nothing). The error is returned for the report.
 */
export async function findBoxOrFullFrame(
  finder: BoxFinder,
  yoloxInput: Float32Array,
  rows: number,
  columns: number,
): Promise<FoundBox & { error?: string }> {
  try {
    return await finder(yoloxInput, rows, columns);
  } catch (error) {
    return { source: "full", error: error instanceof Error ? error.message : String(error) };
  }
}

/** `pixels[y0:y1, x0:x1]` of a row-major single-channel image. */
export function cropRegion<T extends Uint8Array | Uint16Array>(pixels: T, columns: number, box: Box | undefined): T {
  if (!box) return pixels;
  const width = box.x1 - box.x0;
  const height = box.y1 - box.y0;
  const out = new (pixels.constructor as new (length: number) => T)(Math.max(0, width) * Math.max(0, height));
  for (let y = 0; y < height; y++) {
    const from = (box.y0 + y) * columns + box.x0;
    out.set(pixels.subarray(from, from + width), y * width);
  }
  return out;
}

export function boxSize(box: Box | undefined, rows: number, columns: number): { width: number; height: number } {
  return box ? { width: box.x1 - box.x0, height: box.y1 - box.y0 } : { width: columns, height: rows };
}
