/**
 * How raw stored values become 8-bit pixels. The same shape as the API's `PixelConversion`
 * (jobs/contract/parameters/pixels.ts), defined here because stages do not import the operator.
 * The defaults reproduce the seed (docs/seed-pipeline.md#dicom-decoding).
 */
export interface PixelConversionOptions {
  /** Which value of a multi-valued WindowCenter/WindowWidth to apply. The seed always uses 0. */
  windowIndex: number;
  /**
   * Float64: window centre/width as read (the seed's dicomsdl path and all training data).
   * Float16ForDaliSyntaxes: rounded to binary16 for .90/.70 files, as the seed's DALI test-time path.
   */
  windowParamPrecision: "Float64" | "Float16ForDaliSyntaxes";
  /** Apply RescaleSlope/RescaleIntercept before the window (the seed ignores them). */
  applyRescale: boolean;
  /** Use the VOI LUT Sequence instead of the window when the file has one (the seed ignores it). */
  applyVoiLutSequence: boolean;
}

export const SEED_PIXEL_CONVERSION: Readonly<PixelConversionOptions> = Object.freeze({
  windowIndex: 0,
  windowParamPrecision: "Float64",
  applyRescale: false,
  applyVoiLutSequence: false,
});

export function pixelConversionOptions(partial: Partial<PixelConversionOptions> = {}): PixelConversionOptions {
  return { ...SEED_PIXEL_CONVERSION, ...partial };
}
