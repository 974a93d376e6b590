import { DicomError } from "../errors.ts";
import type { DicomImage } from "../read-dicom.ts";
import { minMaxLegacyUint8, minMaxTimes255Int16, minMaxTimes255Int16Rows, minMaxTimes255Uint8 } from "./min-max.ts";
import { type PixelConversionOptions, pixelConversionOptions } from "./options.ts";
import { toSeedInt16 } from "./seed-int16.ts";
import { voiToFloat, voiToUint8 } from "./voi.ts";

const GRAYSCALE = new Set(["MONOCHROME1", "MONOCHROME2"]);

/**
 * Only grayscale images become pixels for the pipeline: a PALETTE COLOR image has one sample per
 * pixel too, but its samples are palette indices, and windowing them would write a picture that
 * is not the image. RGB, YBR and the rest are refused the same way, with the value found.
 */
function requireGray(image: DicomImage): void {
  const photometric = image.header.photometricInterpretation;
  if (!GRAYSCALE.has(photometric)) {
    throw new DicomError(
      "unsupported-pixel-format",
      photometric === ""
        ? "the file has no PhotometricInterpretation (0028,0004); only MONOCHROME1 and MONOCHROME2 images are converted"
        : `PhotometricInterpretation ${photometric} is not supported; only MONOCHROME1 and MONOCHROME2 images are converted`,
    );
  }
  if (image.format.samplesPerPixel !== 1) {
    throw new DicomError(
      "unsupported-pixel-format",
      `PhotometricInterpretation ${photometric} with ${image.format.samplesPerPixel} samples per pixel is not a grayscale image`,
    );
  }
}

/**
 * Path A step 3: the float image YOLOX sees before its fit-resize and padding, `min_max_scale`
 * ×255 of the int16 raw image, inverted for MONOCHROME1. Row-major, rows × columns.
 */
export function yoloxInputFloat(image: DicomImage): Float32Array {
  requireGray(image);
  return minMaxTimes255Int16(toSeedInt16(image.pixels), image.header.invert);
}

/** `yoloxInputFloat` a row at a time (row-major, `columns` values each), for the detector's fit-resize. */
export function yoloxInputRows(image: DicomImage): (y: number) => Float32Array {
  requireGray(image);
  return minMaxTimes255Int16Rows(toSeedInt16(image.pixels), image.columns, image.header.invert);
}

/**
 * Path B on a region of the int16 raw image (the whole image when no box is given): window #0
 * (or min-max) and inversion in float32, before any resize. End-exclusive box in pixels.
 */
export function windowedFloat(
  image: DicomImage,
  options: Partial<PixelConversionOptions> = {},
  box?: { x0: number; y0: number; x1: number; y1: number },
): Float32Array {
  requireGray(image);
  const raw = toSeedInt16(image.pixels);
  const region = box ? cropInt16(raw, image.columns, box) : raw;
  return voiToFloat(region, image.header, pixelConversionOptions(options), image.format.pixelRepresentation === 1);
}

/**
 * Path B as the seed stores training crops: windowed float truncated to uint8 at crop resolution
 * (`truncateToUint8(windowedFloat(...))`, computed straight to 8 bits).
 */
export function windowedUint8(
  image: DicomImage,
  options: Partial<PixelConversionOptions> = {},
  box?: { x0: number; y0: number; x1: number; y1: number },
): Uint8Array {
  requireGray(image);
  const raw = toSeedInt16(image.pixels);
  const region = box ? cropInt16(raw, image.columns, box) : raw;
  return voiToUint8(region, image.header, pixelConversionOptions(options), image.format.pixelRepresentation === 1);
}

/** Path A step 3 as 8 bits: the YOLOX input image truncated to uint8 (`truncateToUint8(yoloxInputFloat(...))`). */
export function yoloxInputUint8(image: DicomImage): Uint8Array {
  requireGray(image);
  return minMaxTimes255Uint8(toSeedInt16(image.pixels), image.header.invert);
}

/** Path C: the ROI-detector training image (legacy float64 min-max on the stored dtype, no window). */
export function detectorTrainingUint8(image: DicomImage): Uint8Array {
  requireGray(image);
  return minMaxLegacyUint8(image.pixels, image.header.invert);
}

/** `I[y0:y1, x0:x1]` of a row-major int16 image. */
export function cropInt16(
  raw: Int16Array,
  columns: number,
  box: { x0: number; y0: number; x1: number; y1: number },
): Int16Array {
  const width = box.x1 - box.x0;
  const height = box.y1 - box.y0;
  const out = new Int16Array(Math.max(0, width) * Math.max(0, height));
  for (let y = 0; y < height; y++) {
    const from = (box.y0 + y) * columns + box.x0;
    out.set(raw.subarray(from, from + width), y * width);
  }
  return out;
}
