import { activeNativeAddon } from "./native-addons.ts";

/** What `codecs/native/ljpeg-addon.cc` exports (see the comment at its top). */
export interface NativeJpegLossless {
  /** `direct` (default true): the common case (one component, predictor 1, 9–16 bits) by jpeg-lossless-sv1.h. */
  decode(codestream: Uint8Array, precision: number, sampleCount: number, direct?: boolean): Uint8Array;
  /** jpeg-lossless-sv1.h alone: undefined for a stream it leaves to DCMTK. */
  decodeDirect(codestream: Uint8Array, precision: number, sampleCount: number): Uint8Array | undefined;
  version(): string;
}

/**
 * The JPEG Lossless decoder of this process (MAMMOFLOW_JPEG_LOSSLESS_DECODER = auto | native | js):
 * the addon (its own decoder for the mammograms' case, DCMTK's IJG build for the rest), or undefined
 * for jpeg-lossless-decoder-js, which gives the same values about three times slower than DCMTK.
 */
export function activeNativeJpegLossless(): NativeJpegLossless | undefined {
  return activeNativeAddon<NativeJpegLossless>("MAMMOFLOW_JPEG_LOSSLESS_DECODER", "js", "ljpeg", ["decode", "version"]);
}
