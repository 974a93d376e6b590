import { DicomError } from "../errors.ts";
import type { DicomHeader, VoiLut } from "../header.ts";
import { DALI_TRANSFER_SYNTAXES } from "../transfer-syntax.ts";
import { castToUint8 } from "./cast.ts";
import { roundToFloat16 } from "./float16.ts";
import { mapInt16, mapInt16ToUint8 } from "./map-int16.ts";
import { minMaxTimes255Of } from "./min-max.ts";
import type { PixelConversionOptions } from "./options.ts";
import { minMax } from "./seed-int16.ts";
import { parseVoiLutFunction, type WindowParams, windowFunction } from "./window.ts";

const f32 = Math.fround;

/**
 * The window the seed applies to a file (docs/seed-pipeline.md#header-fields, docs/seed-pipeline.md#windowing): value `windowIndex` (0 in
 * the seed) of WindowCenter/WindowWidth with upper(VOILUTFunction); centre and width rounded to
 * float16 first in the DALI mode for .90/.70 files. Undefined when the file has no window.
 */
export function selectWindow(header: DicomHeader, options: PixelConversionOptions): WindowParams | undefined {
  if (header.windowCenters.length === 0 || header.windowWidths.length === 0) return undefined;
  const center = header.windowCenters[options.windowIndex];
  const width = header.windowWidths[options.windowIndex];
  if (center === undefined || width === undefined) {
    throw new DicomError(
      "invalid-window",
      `window ${options.windowIndex} requested but the file has ${header.windowCenters.length} centre(s) and ${header.windowWidths.length} width(s)`,
    );
  }
  const fn = parseVoiLutFunction(header.voiLutFunction);
  const viaDali =
    options.windowParamPrecision === "Float16ForDaliSyntaxes" && DALI_TRANSFER_SYNTAXES.has(header.transferSyntaxUid);
  return viaDali ? { center: roundToFloat16(center), width: roundToFloat16(width), fn } : { center, width, fn };
}

/** A value → float function followed by `255 − y` for MONOCHROME1. */
function inverted(fn: (x: number) => number, invert: boolean): (x: number) => number {
  return invert ? (x: number) => f32(255 - fn(x)) : fn;
}

/** An explicit VOI LUT (PS3.3 C.11.2.1.1) scaled to 0..255 in float32. */
function voiLutFunction(lut: VoiLut, signedFirst: boolean): (x: number) => number {
  const first = signedFirst ? (lut.firstMapped << 16) >> 16 : lut.firstMapped;
  const top = 2 ** lut.bits - 1;
  return (x) => {
    const index = Math.min(Math.max(x - first, 0), lut.entries - 1);
    return f32(f32((lut.data[index] as number) / top) * 255);
  };
}

/**
 * Path A steps 6–7 / path B before truncation (docs/seed-pipeline.md#conversion-paths) as a
 * function of one int16 value: window (or min-max ×255 over `range` when the file has none), then
 * 255 − y for MONOCHROME1, in float32. The options can switch on what the seed ignores: the
 * modality rescale and the VOI LUT sequence.
 */
function voiValue(
  header: DicomHeader,
  options: PixelConversionOptions,
  signedPixels: boolean,
  range: { min: number; max: number },
): (x: number) => number {
  if (options.applyVoiLutSequence && header.voiLuts.length > 0) {
    const lut = header.voiLuts[Math.min(options.windowIndex, header.voiLuts.length - 1)] as VoiLut;
    return inverted(voiLutFunction(lut, signedPixels), header.invert);
  }
  const window = selectWindow(header, options);
  // minMaxTimes255Of inverts itself.
  if (!window) return minMaxTimes255Of(range.min, range.max, header.invert);
  const apply = windowFunction(window);
  const slope = header.rescaleSlope ?? 1;
  const intercept = header.rescaleIntercept ?? 0;
  const rescaled = options.applyRescale && (slope !== 1 || intercept !== 0);
  return inverted(rescaled ? (x) => apply(f32(x * slope + intercept)) : apply, header.invert);
}

/** The seed's int16 raw image (or crop) through `voiValue`, in float32. */
export function voiToFloat(
  raw: Int16Array,
  header: DicomHeader,
  options: PixelConversionOptions,
  signedPixels = false,
): Float32Array {
  const range = minMax(raw);
  return mapInt16(raw, voiValue(header, options, signedPixels, range), range);
}

/** `truncateToUint8(voiToFloat(...))` without the float image: the same value per pixel. */
export function voiToUint8(
  raw: Int16Array,
  header: DicomHeader,
  options: PixelConversionOptions,
  signedPixels = false,
): Uint8Array {
  const range = minMax(raw);
  return mapInt16ToUint8(raw, voiValue(header, options, signedPixels, range), range);
}

/** `tensor.to(uint8)`: truncation toward zero (docs/seed-pipeline.md#truncation-to-8-bits), wrapping outside [0, 255] like x86. */
export function truncateToUint8(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    out[i] = castToUint8(values[i] as number);
  }
  return out;
}
