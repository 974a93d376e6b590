import { activeNativeAddon } from "./native-addons.ts";

/** What `codecs/native/ljpeg-addon.cc` exports (see the comment at its top). */
export interface NativeJpegLossless {
  decode(codestream: Uint8Array, precision: number, sampleCount: number): Uint8Array;
  version(): string;
}

/**
 * The JPEG Lossless decoder of this process (MAMMOFLOW_JPEG_LOSSLESS_DECODER = auto | native | js):
 * DCMTK's IJG build, or undefined for jpeg-lossless-decoder-js, which gives the same values
 * about three times slower.
 */
export function activeNativeJpegLossless(): NativeJpegLossless | undefined {
  return activeNativeAddon<NativeJpegLossless>("MAMMOFLOW_JPEG_LOSSLESS_DECODER", "js", "ljpeg", ["decode", "version"]);
}
