import type { Mat, OpenCv } from "./opencv.ts";

/** A box in the pixels of the image it was found in; end-exclusive. */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * `np.percentile(u8, q)` (linear method) through a histogram: NumPy's virtual index
 * `(n − 1)·q/100` and its lerp, which interpolates down from the upper neighbour when the
 * fraction is ≥ 0.5.
 */
export function percentileUint8(values: Uint8Array, percent: number): number {
  const n = values.length;
  if (n === 0) throw new RangeError("percentile of an empty image");
  const histogram = new Uint32Array(256);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    histogram[v] = (histogram[v] as number) + 1;
  }
  const rank = (n - 1) * (percent / 100);
  const below = Math.floor(rank);
  const gamma = rank - below;
  const a = kthSmallest(histogram, below);
  const b = kthSmallest(histogram, Math.min(below + 1, n - 1));
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

function kthSmallest(histogram: Uint32Array, k: number): number {
  let seen = 0;
  for (let v = 0; v < 256; v++) {
    seen += histogram[v] as number;
    if (seen > k) return v;
  }
  return 255;
}

/** What `extract_roi_otsu` returns: the bounding box of the largest contour and its contour area fraction. */
export interface OtsuRegion {
  box: PixelBox;
  areaFraction: number;
}

/**
 * The seed's rule-based breast box (`extract_roi_otsu`, docs/seed-pipeline.md#box-selection-and-fallbacks step 2) on the uint8
 * image: pixels above the 95th percentile (implants, labels) set to the minimum, 5×5 Gaussian
 * with OpenCV's automatic σ, Otsu threshold, 3×3 dilation, largest external contour by
 * contourArea (first on ties), its boundingRect. Undefined when there is no contour.
 */
export function otsuBreastRegion(cv: OpenCv, image: Uint8Array, height: number, width: number): OtsuRegion | undefined {
  if (image.length !== height * width)
    throw new RangeError(`image has ${image.length} pixels, expected ${height}×${width}`);
  const upper = percentileUint8(image, 95);
  let min = 255;
  for (let i = 0; i < image.length; i++) min = Math.min(min, image[i] as number);
  const owned: { delete(): void }[] = [];
  const mat = (): Mat => {
    const m = new cv.Mat(height, width, cv.CV_8UC1);
    owned.push(m);
    return m;
  };
  try {
    const clipped = mat();
    const data = clipped.data;
    for (let i = 0; i < image.length; i++) {
      const v = image[i] as number;
      data[i] = v > upper ? min : v;
    }
    const blurred = mat();
    cv.GaussianBlur(clipped, blurred, new cv.Size(5, 5), 0, 0, cv.BORDER_DEFAULT);
    const binary = mat();
    cv.threshold(blurred, binary, 0, 255, cv.THRESH_BINARY + cv.THRESH_OTSU);
    const kernel = cv.getStructuringElement(cv.MORPH_RECT, new cv.Size(3, 3), new cv.Point(-1, -1));
    owned.push(kernel);
    const dilated = mat();
    cv.dilate(binary, dilated, kernel);
    const contours = new cv.MatVector();
    owned.push(contours);
    const hierarchy = new cv.Mat();
    owned.push(hierarchy);
    cv.findContours(dilated, contours, hierarchy, cv.RETR_EXTERNAL, cv.CHAIN_APPROX_SIMPLE);
    let best: Mat | undefined;
    let bestArea = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < contours.size(); i++) {
      const contour = contours.get(i);
      owned.push(contour);
      const area = cv.contourArea(contour);
      if (area > bestArea) {
        bestArea = area;
        best = contour;
      }
    }
    if (!best) return undefined;
    const rect = cv.boundingRect(best);
    const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
    return {
      box: {
        x0: clamp(rect.x, width),
        y0: clamp(rect.y, height),
        x1: clamp(rect.x + rect.width, width),
        y1: clamp(rect.y + rect.height, height),
      },
      areaFraction: bestArea / (height * width),
    };
  } finally {
    for (const object of owned) object.delete();
  }
}
