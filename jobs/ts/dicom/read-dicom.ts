import type { DataSet } from "dicom-parser";
import { decodeCodestream } from "./codecs/decode-codestream.ts";
import { DicomError, describeThrown } from "./errors.ts";
import { encapsulatedFrame } from "./frames.ts";
import { type DicomHeader, readHeader } from "./header.ts";
import { DEFAULT_PARSE_LIMITS, type ParseLimits, parsePart10 } from "./parse.ts";
import {
  DEFAULT_PIXEL_LIMITS,
  type PixelFormat,
  type PixelLimits,
  readPixelFormat,
  samplesPerFrame,
} from "./pixel-format.ts";
import { decodeRle } from "./rle.ts";
import {
  type DecodedSamples,
  planarToInterleaved,
  type StoredPixels,
  swapToLittleEndian,
  toStoredValues,
  viewLittleEndian,
} from "./stored-values.ts";
import { type TransferSyntax, transferSyntaxOf } from "./transfer-syntax.ts";

export interface ReadDicomOptions {
  /** Which frame of a multi-frame image to decode; without it a multi-frame image is an error. */
  frame?: number;
  limits?: Partial<PixelLimits & ParseLimits>;
}

/** A decoded single frame: stored values exactly as pydicom returns them, with the header that describes them. */
export interface DicomImage {
  header: DicomHeader;
  format: PixelFormat;
  transferSyntax: TransferSyntax;
  rows: number;
  columns: number;
  /** Row-major stored values, samples interleaved when there are three. */
  pixels: StoredPixels;
  frame: number;
}

/**
 * dicom-parser reads element values lazily, so a value whose length runs past the buffer only
 * throws (a plain string) when the header is read: that is a truncated or corrupt file too.
 */
function readHeaderSafely(ds: DataSet): DicomHeader {
  try {
    return readHeader(ds);
  } catch (error) {
    if (error instanceof DicomError) throw error;
    throw new DicomError("invalid-header", `cannot read the header: ${describeThrown(error)}`);
  }
}

/** Parses the header only (no pixel decoding): the fields the seed reads and the pixel format. */
export function readDicomHeader(
  bytes: Uint8Array,
  options: ReadDicomOptions = {},
): { header: DicomHeader; format: PixelFormat } {
  const ds = parsePart10(bytes, { ...DEFAULT_PARSE_LIMITS, ...options.limits });
  return {
    header: readHeaderSafely(ds),
    format: readPixelFormat(ds, { ...DEFAULT_PIXEL_LIMITS, ...options.limits }),
  };
}

/**
 * Parses a Part-10 file and decodes one frame to stored values. Every failure is a DicomError
 * whose message gives the reason; callers add the file name.
 */
export async function readDicom(bytes: Uint8Array, options: ReadDicomOptions = {}): Promise<DicomImage> {
  const ds = parsePart10(bytes, { ...DEFAULT_PARSE_LIMITS, ...options.limits });
  const header = readHeaderSafely(ds);
  const transferSyntax = transferSyntaxOf(header.transferSyntaxUid);
  if (!transferSyntax) {
    throw new DicomError(
      "unsupported-transfer-syntax",
      header.transferSyntaxUid === ""
        ? "the meta header has no TransferSyntaxUID (0002,0010)"
        : `transfer syntax ${header.transferSyntaxUid} is not supported`,
    );
  }
  const element = ds.elements.x7fe00010;
  if (!element) {
    const other = ds.elements.x7fe00008 || ds.elements.x7fe00009 ? " (float pixel data is not supported)" : "";
    throw new DicomError("missing-pixel-data", `the file has no PixelData (7FE0,0010)${other}`);
  }
  const format = readPixelFormat(ds, { ...DEFAULT_PIXEL_LIMITS, ...options.limits });
  const frame = chooseFrame(format, options.frame);
  const samples = await decodeFrame(ds, transferSyntax, format, frame);
  // Encapsulated pixel data comes out of a decoder as a fresh array, native pixel data is a view of `bytes`.
  let pixels = toStoredValues(format, samples, transferSyntax.encapsulated);
  if (format.samplesPerPixel === 3 && format.planarConfiguration === 1 && !transferSyntax.encapsulated) {
    pixels = planarToInterleaved(pixels, format.rows * format.columns);
  }
  return { header, format, transferSyntax, rows: format.rows, columns: format.columns, pixels, frame };
}

function chooseFrame(format: PixelFormat, requested: number | undefined): number {
  if (requested === undefined) {
    if (format.numberOfFrames > 1) {
      throw new DicomError(
        "multi-frame",
        `the image has ${format.numberOfFrames} frames; choose one (frame option) to decode a multi-frame image`,
      );
    }
    return 0;
  }
  if (!Number.isInteger(requested) || requested < 0 || requested >= format.numberOfFrames) {
    throw new DicomError(
      "multi-frame",
      `frame ${requested} does not exist: the image has ${format.numberOfFrames} frame(s)`,
    );
  }
  return requested;
}

async function decodeFrame(
  ds: DataSet,
  syntax: TransferSyntax,
  format: PixelFormat,
  frame: number,
): Promise<DecodedSamples> {
  const element = ds.elements.x7fe00010 as NonNullable<DataSet["elements"][string]>;
  const count = samplesPerFrame(format);
  if (!syntax.encapsulated) {
    if (element.encapsulatedPixelData) {
      throw new DicomError("inconsistent-size", `pixel data is encapsulated but ${syntax.name} stores it natively`);
    }
    // Native YBR is colour stored as YCbCr: the references hand it out converted to RGB, and the
    // pipeline converts grayscale only, so it is refused here rather than given as stored values.
    if (format.photometricInterpretation.startsWith("YBR_")) {
      const subsampled = format.photometricInterpretation === "YBR_FULL_422" ? " (chroma-subsampled)" : "";
      throw new DicomError(
        "unsupported-pixel-format",
        `native ${format.photometricInterpretation}${subsampled} pixel data is not supported; it is not a grayscale format`,
      );
    }
    const width = format.bitsAllocated / 8;
    const start = element.dataOffset + frame * count * width;
    const end = start + count * width;
    const available = Math.min(element.dataOffset + element.length, ds.byteArray.length);
    if (end > available) {
      throw new DicomError(
        available < element.dataOffset + element.length ? "truncated" : "inconsistent-size",
        `pixel data has ${Math.max(0, available - element.dataOffset)} bytes; ${format.rows}×${format.columns}×${format.samplesPerPixel} samples at ${format.bitsAllocated} bits × ${format.numberOfFrames} frame(s) need ${format.numberOfFrames * count * width}`,
      );
    }
    if (!syntax.littleEndian && format.bitsAllocated === 8 && element.vr === "OW") {
      // 8-bit samples in an OW element are big-endian 16-bit words: swap the pairs of the whole
      // element, then take the frame.
      const whole = ds.byteArray.subarray(element.dataOffset, element.dataOffset + (element.length & ~1));
      const swapped = swapToLittleEndian(whole, 16, whole.length / 2);
      return swapped.subarray(start - element.dataOffset, end - element.dataOffset);
    }
    const bytes = ds.byteArray.subarray(start, end);
    const little = syntax.littleEndian ? bytes : swapToLittleEndian(bytes, format.bitsAllocated, count);
    return viewLittleEndian(little, format.bitsAllocated, count);
  }
  if (!element.encapsulatedPixelData) {
    throw new DicomError("inconsistent-size", `pixel data is not encapsulated but ${syntax.name} requires it`);
  }
  const codestream = encapsulatedFrame(ds, element, frame, format.numberOfFrames);
  if (syntax.encoding === "rle") return viewLittleEndian(decodeRle(codestream, format), format.bitsAllocated, count);
  return decodeCodestream(syntax.encoding, codestream, format);
}
