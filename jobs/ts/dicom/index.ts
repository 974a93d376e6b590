// Public API of the DICOM module: decoding (Part-10 → stored values) and the seed's conversion
// paths (pipeline-spec §1.9). Other stages import from here only.
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
