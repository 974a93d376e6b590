import type { DataSet } from "dicom-parser";
import { DicomError } from "./errors.ts";

/** The Image Pixel module attributes that decide how many bytes a frame has and how to read them. */
export interface PixelFormat {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: 8 | 16 | 32;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  /** 0 interleaved (R1G1B1R2...), 1 planar (R1R2...G1G2...); only meaningful with 3 samples. */
  planarConfiguration: 0 | 1;
  numberOfFrames: number;
  photometricInterpretation: string;
}

export interface PixelLimits {
  /** Largest decoded frame, in bytes, this process agrees to allocate. */
  maxFrameBytes: number;
}

export const DEFAULT_PIXEL_LIMITS: PixelLimits = { maxFrameBytes: 512 * 1024 * 1024 };

function requiredUint16(ds: DataSet, tag: string, name: string): number {
  const value = ds.uint16(tag);
  if (value === undefined)
    throw new DicomError("invalid-header", `${name} ${tag.slice(1, 5)},${tag.slice(5)} is missing`);
  return value;
}

/** Reads and checks the Image Pixel module; refuses formats this module does not decode. */
export function readPixelFormat(ds: DataSet, limits: PixelLimits = DEFAULT_PIXEL_LIMITS): PixelFormat {
  const rows = requiredUint16(ds, "x00280010", "Rows");
  const columns = requiredUint16(ds, "x00280011", "Columns");
  if (rows === 0 || columns === 0)
    throw new DicomError("invalid-header", `image size is ${rows}×${columns} (Rows×Columns)`);
  const bitsAllocated = requiredUint16(ds, "x00280100", "BitsAllocated");
  if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
    throw new DicomError(
      "unsupported-pixel-format",
      bitsAllocated === 1
        ? "BitsAllocated 1 (bit-packed binary pixels, as segmentations and overlays store them) is not supported; images must have 8, 16 or 32"
        : `BitsAllocated ${bitsAllocated} is not supported (8, 16 or 32)`,
    );
  }
  const bitsStored = ds.uint16("x00280101") ?? bitsAllocated;
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    throw new DicomError("invalid-header", `BitsStored ${bitsStored} is outside 1..BitsAllocated (${bitsAllocated})`);
  }
  const pixelRepresentation = ds.uint16("x00280103") ?? 0;
  if (pixelRepresentation !== 0 && pixelRepresentation !== 1) {
    throw new DicomError("invalid-header", `PixelRepresentation ${pixelRepresentation} is neither 0 nor 1`);
  }
  const samplesPerPixel = ds.uint16("x00280002") ?? 1;
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3) {
    throw new DicomError("unsupported-pixel-format", `SamplesPerPixel ${samplesPerPixel} is not supported (1 or 3)`);
  }
  const planarConfiguration = samplesPerPixel === 3 ? (ds.uint16("x00280006") ?? 0) : 0;
  if (planarConfiguration !== 0 && planarConfiguration !== 1) {
    throw new DicomError("invalid-header", `PlanarConfiguration ${planarConfiguration} is neither 0 nor 1`);
  }
  const framesText = ds.string("x00280008");
  const numberOfFrames = framesText === undefined || framesText.trim() === "" ? 1 : Number(framesText.trim());
  if (!Number.isInteger(numberOfFrames) || numberOfFrames < 1) {
    throw new DicomError("invalid-header", `NumberOfFrames "${framesText}" is not a positive integer`);
  }
  const format: PixelFormat = {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit: ds.uint16("x00280102") ?? bitsStored - 1,
    pixelRepresentation,
    planarConfiguration,
    numberOfFrames,
    photometricInterpretation: (ds.string("x00280004") ?? "").trim().toUpperCase(),
  };
  const bytes = frameBytes(format);
  if (bytes > limits.maxFrameBytes) {
    throw new DicomError(
      "too-large",
      `declared frame of ${rows}×${columns}×${samplesPerPixel} samples at ${bitsAllocated} bits needs ${bytes} bytes, over the limit of ${limits.maxFrameBytes}`,
    );
  }
  return format;
}

export function samplesPerFrame(format: PixelFormat): number {
  return format.rows * format.columns * format.samplesPerPixel;
}

export function frameBytes(format: PixelFormat): number {
  return samplesPerFrame(format) * (format.bitsAllocated / 8);
}
