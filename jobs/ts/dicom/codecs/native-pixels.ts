import { activeNativeAddon } from "./native-addons.ts";

/** What `codecs/native/pixels-addon.c` exports (see the comment at its top). */
export interface NativePixels {
  minMaxInt16(values: Int16Array): { min: number; max: number };
  lookupInt16(values: Int16Array, min: number, table: Uint8Array): Uint8Array;
  deflateUpRows(pixels: Uint8Array, rows: number, columns: number): Uint8Array;
  /** Absent from a pixels.node built before them (a checkout's old build): callers check. */
  keepLowBitsUint16?(values: Uint16Array, bits: number): void;
  retainFreedMemory?(bytes: number): boolean;
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

/**
 * The largest buffer whose pages a decoding thread keeps for the next image: a 3000×2400 JPEG 2000
 * mammogram passes through OpenJPEG as 28.8 MB of 32-bit samples, and the larger mammograms of
 * the RSNA set (up to about 5,400 × 4,900) near 64 MiB.
 */
export const RETAINED_IMAGE_BUFFER_BYTES = 64 * 2 ** 20;

/**
 * For a thread that decodes one image after another (a decode or preparation worker): glibc
 * serves every buffer up to RETAINED_IMAGE_BUFFER_BYTES from its heap and keeps freed ones, so the
 * next image reuses the pages the last one faulted in instead of mapping and zeroing new ones (four
 * bench mammograms on two workers: 40,000 page faults instead of 58,000). Process-wide, and only
 * where the pixel kernels are built; returns whether it applied.
 */
export function retainImageBuffers(): boolean {
  return activeNativePixels()?.retainFreedMemory?.(RETAINED_IMAGE_BUFFER_BYTES) ?? false;
}

/** The addon when it is in use and worth calling for `length` values. */
export function nativePixelsFor(length: number): NativePixels | undefined {
  return length >= NATIVE_PIXEL_KERNEL_MIN_LENGTH ? activeNativePixels() : undefined;
}
