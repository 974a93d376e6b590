import { activeNativeJpegLossless } from "./native-ljpeg.ts";
import { activeNativeOpenJpeg } from "./native-openjpeg.ts";

/** One line naming the JPEG 2000 and JPEG Lossless decoders this thread uses, for logs and benchmarks. */
export function describeActiveDecoders(): string {
  const j2k = activeNativeOpenJpeg();
  const lossless = activeNativeJpegLossless();
  return [
    `JPEG 2000: ${j2k ? `native OpenJPEG ${j2k.addon.version()}, ${j2k.threads} thread(s) per image here` : "OpenJPEG WASM"}`,
    `JPEG Lossless: ${lossless ? `native ${lossless.version()}` : "jpeg-lossless-decoder-js"}`,
  ].join("; ");
}
