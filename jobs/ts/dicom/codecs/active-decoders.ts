import { activeNativeJpegLossless } from "./native-ljpeg.ts";
import { activeNativeOpenJpeg } from "./native-openjpeg.ts";
import { activeNativePixels } from "./native-pixels.ts";

/**
 * One line naming the JPEG 2000 and JPEG Lossless decoders and the pixel kernels this process uses, for stage logs and
 * benchmarks (in a pod's log it shows whether the image's native decoders loaded); with OpenJPEG's
 * thread count on this thread when `threads` is set.
 */
export function describeActiveDecoders({ threads = false } = {}): string {
  const j2k = activeNativeOpenJpeg();
  const lossless = activeNativeJpegLossless();
  const j2kThreads = j2k && threads ? `, ${j2k.threads} thread(s) per image here` : "";
  return [
    `JPEG 2000: ${j2k ? `native OpenJPEG ${j2k.addon.version()}${j2kThreads}` : "OpenJPEG WASM"}`,
    `JPEG Lossless: ${lossless ? `native ${lossless.version()}` : "jpeg-lossless-decoder-js"}`,
    `pixel kernels: ${activeNativePixels() ? "native" : "JavaScript"}`,
  ].join("; ");
}
