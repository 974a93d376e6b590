// Where a prepare-dataset crop came from, read back from the output alone, and how well it overlaps
// a reference box: the stage writes the crop's pixels, not its box, and a test that asked the ROI
// module for the box would be checking the code against itself.

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Every position where the `width`×`height` crop equals a window of the `rows`×`columns` frame
 * (both 8-bit, row-major). Exact equality: the frame must be converted the same, pixel for pixel,
 * as the crop was (a pointwise VOI window qualifies; a min-max over the crop does not).
 */
export function cropPositions(
  frame: Uint8Array,
  rows: number,
  columns: number,
  crop: Uint8Array,
  width: number,
  height: number,
): Box[] {
  const found: Box[] = [];
  for (let y0 = 0; y0 + height <= rows; y0++) {
    for (let x0 = 0; x0 + width <= columns; x0++) {
      let same = true;
      for (let y = 0; y < height && same; y++) {
        const from = (y0 + y) * columns + x0;
        for (let x = 0; x < width; x++) {
          if (frame[from + x] !== crop[y * width + x]) {
            same = false;
            break;
          }
        }
      }
      if (same) found.push({ x0, y0, x1: x0 + width, y1: y0 + height });
    }
  }
  return found;
}

/** Intersection over union of two boxes with exclusive right and bottom edges. */
export function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0));
  const h = Math.max(0, Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0));
  const area = (box: Box) => (box.x1 - box.x0) * (box.y1 - box.y0);
  return (w * h) / (area(a) + area(b) - w * h);
}
