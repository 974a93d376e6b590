import { activeNativeAddon } from "./native-addons.ts";

/** What `codecs/native/pixels-addon.c` exports (see the comment at its top). */
export interface NativePixels {
  minMaxInt16(values: Int16Array): { min: number; max: number };
  lookupInt16(values: Int16Array, min: number, table: Uint8Array): Uint8Array;
  deflateUpRows(pixels: Uint8Array, rows: number, columns: number): Uint8Array;
  version(): string;
}

/**
 * Images shorter than this stay in JavaScript: calling the addon costs a few microseconds, which
 * only a loop over many pixels repays (and the small images of the tests keep both paths busy).
 */
export const NATIVE_PIXEL_KERNEL_MIN_LENGTH = 1 << 16;

/**
 * The pixel kernels of this process (MAMMOFLOW_PIXEL_KERNELS = auto | native | js): the addon,
 * or undefined for their JavaScript twins, which give the same bytes 3–10× slower.
 */
export function activeNativePixels(): NativePixels | undefined {
  return activeNativeAddon<NativePixels>("MAMMOFLOW_PIXEL_KERNELS", "js", "pixels", [
    "minMaxInt16",
    "lookupInt16",
    "deflateUpRows",
    "version",
  ]);
}

/** The addon when it is in use and worth calling for `length` values. */
export function nativePixelsFor(length: number): NativePixels | undefined {
  return length >= NATIVE_PIXEL_KERNEL_MIN_LENGTH ? activeNativePixels() : undefined;
}
