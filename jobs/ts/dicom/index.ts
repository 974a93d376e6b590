// Public API of the DICOM module: decoding (Part-10 → stored values) and the seed's conversion
// paths (docs/seed-pipeline.md#conversion-paths). Other stages import from here only.

export { retainImageBuffers } from "./codecs/native-pixels.ts";
export { roundToFloat16 } from "./convert/float16.ts";
export {
  minMaxLegacyUint8,
  minMaxScaleInt16,
  minMaxTimes255Int16,
  minMaxTimes255Int16Rows,
} from "./convert/min-max.ts";
export { type PixelConversionOptions, pixelConversionOptions, SEED_PIXEL_CONVERSION } from "./convert/options.ts";
export {
  cropInt16,
  detectorTrainingUint8,
  windowedFloat,
  windowedUint8,
  yoloxInputFloat,
  yoloxInputRows,
  yoloxInputUint8,
} from "./convert/paths.ts";
export { numpyPercentile, percentileMinMaxScale, percentileMinMaxUint8 } from "./convert/percentile.ts";
export { minMax, toSeedInt16 } from "./convert/seed-int16.ts";
export { selectWindow, truncateToUint8, voiToFloat } from "./convert/voi.ts";
export { parseVoiLutFunction, type VoiLutFunction, type WindowParams, windowFunction } from "./convert/window.ts";
export { DicomError, type DicomErrorCode } from "./errors.ts";
export type { DicomHeader, VoiLut } from "./header.ts";
export type { PixelFormat, PixelLimits } from "./pixel-format.ts";
export { type DicomImage, type ReadDicomOptions, readDicom, readDicomHeader } from "./read-dicom.ts";
export type { StoredPixels } from "./stored-values.ts";
export {
  DALI_TRANSFER_SYNTAXES,
  SUPPORTED_TRANSFER_SYNTAXES,
  type TransferSyntax,
  transferSyntaxOf,
} from "./transfer-syntax.ts";
