/**
 * How the breast box is chosen (docs/seed-pipeline.md#box-decoding). The same names as the API's
 * `RoiSelection` (jobs/contract/parameters/roi.ts), defined here because stages do not import the
 * operator; the defaults are the seed's.
 */
export interface RoiSelectionOptions {
  /** Minimum obj·cls of a detector box. */
  confidenceThreshold: number;
  /** IoU of the seed's class-aware NMS; it cannot change the top-1 box, so only recorded. */
  nmsIouThreshold: number;
  /** A box (detector or Otsu) is accepted when it covers at least this fraction of the image. */
  minAreaFraction: number;
  /** Try the Otsu largest-contour box before the full frame. */
  otsuFallback: boolean;
}

export const SEED_ROI_SELECTION: Readonly<RoiSelectionOptions> = Object.freeze({
  confidenceThreshold: 0.5,
  nmsIouThreshold: 0.9,
  minAreaFraction: 0.04,
  otsuFallback: true,
});

export function roiSelectionOptions(partial: Partial<RoiSelectionOptions> = {}): RoiSelectionOptions {
  return { ...SEED_ROI_SELECTION, ...partial };
}
