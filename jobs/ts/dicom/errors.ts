/**
 * Why a DICOM file could not be turned into pixels. Every failure of this module is a
 * DicomError with one of these codes, so a batch can report it per file and go on.
 */
export type DicomErrorCode =
  | "not-dicom"
  | "truncated"
  | "invalid-header"
  | "missing-pixel-data"
  | "unsupported-transfer-syntax"
  | "unsupported-pixel-format"
  | "inconsistent-size"
  | "empty-fragment"
  | "too-large"
  | "multi-frame"
  | "codec-failed"
  | "invalid-window";

export class DicomError extends Error {
  override readonly name = "DicomError";
  constructor(
    readonly code: DicomErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Libraries throw strings, numbers (Emscripten exception pointers) or Errors; make one sentence of it. */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === "number") return `codec aborted (native exception ${thrown})`;
  // dicom-parser throws {exception, dataSet} objects for some malformed input.
  if (typeof thrown === "object" && thrown !== null && "exception" in thrown) return String(thrown.exception);
  return String(thrown);
}
