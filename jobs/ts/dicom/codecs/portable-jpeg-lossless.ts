import type { Decoder as JpegLosslessDecoder } from "jpeg-lossless-decoder-js";
import { DicomError, describeThrown } from "../errors.ts";
import type { DecodedSamples } from "../stored-values.ts";
import type { CodestreamHeader } from "./codestream-header.ts";

/**
 * The codestream with one byte of 1-bits (FF, stuffed as FF 00) put before its end marker.
 *
 * jpeg-lossless-decoder-js believes the entropy-coded data has run into the end marker one bit
 * too early: when the last sample's code ends exactly on a byte boundary (no padding bits before
 * FF D9), it stops without writing that sample, which DCMTK, GDCM and pylibjpeg decode. Bits of
 * 1 after the last code are what JPEG pads with and every decoder ignores them, so one more byte
 * of them lets the last sample finish before the marker and changes no value.
 * `codestream` ends with FF D9 (requireEndMarker).
 */
export function withOnesBeforeEnd(codestream: Uint8Array): Uint8Array {
  const padded = new Uint8Array(codestream.length + 2);
  padded.set(codestream.subarray(0, codestream.length - 2));
  padded.set([0xff, 0x00, 0xff, 0xd9], codestream.length - 2);
  return padded;
}

/**
 * The restart interval a JPEG codestream declares (DRI marker before its scan), 0 for none. Read
 * from the marker segments only, never from entropy-coded data.
 */
export function restartInterval(codestream: Uint8Array): number {
  let at = 2; // after SOI
  while (at + 4 <= codestream.length && codestream[at] === 0xff) {
    const marker = codestream[at + 1] as number;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xda) return 0; // SOS: the scan starts, no DRI before it
    const length = ((codestream[at + 2] as number) << 8) | (codestream[at + 3] as number);
    if (marker === 0xdd && length >= 4 && at + 6 <= codestream.length) {
      return ((codestream[at + 4] as number) << 8) | (codestream[at + 5] as number);
    }
    at += 2 + length;
  }
  return 0;
}

/**
 * jpeg-lossless-decoder-js, the decoder used where the native DCMTK addon is not. Streams with
 * restart intervals are refused: it decodes some of them to wrong values without an error (59 of
 * 200 such streams in tests/parity/dicom-jpeg-edge-cases.test.ts), and padding bits before the
 * restart markers, which mend the end of the stream, make it worse there.
 */
export async function decodePortableJpegLossless(
  codestream: Uint8Array,
  header: CodestreamHeader,
  sampleCount: number,
): Promise<DecodedSamples> {
  const interval = restartInterval(codestream);
  if (interval > 0) {
    throw new DicomError(
      "unsupported-transfer-syntax",
      `JPEG Lossless with restart intervals (every ${interval} samples) needs the native DCMTK decoder (build/native/ljpeg.node, built by npm run setup): the portable jpeg-lossless-decoder-js decodes some such streams to wrong values`,
    );
  }
  const decoder = new (await jpegLosslessDecoderClass())();
  const padded = withOnesBeforeEnd(codestream);
  let decoded: Uint8Array | Uint16Array;
  try {
    decoded = decoder.decode(padded.buffer, 0, padded.length, header.precision > 8 ? 2 : 1);
  } catch (error) {
    throw new DicomError("codec-failed", `jpeg-lossless decoder failed: ${describeThrown(error)}`);
  }
  // The decoder keeps going past the end of a short stream; where it stopped tells.
  const finished =
    decoder.yLoc >= header.height || (decoder.yLoc === header.height - 1 && decoder.xLoc >= header.width);
  if (decoded.length !== sampleCount || !finished) {
    throw new DicomError(
      "codec-failed",
      `jpeg-lossless decoder returned ${decoded.length} samples and stopped at row ${decoder.yLoc}; the image needs ${sampleCount} samples in ${header.height} rows`,
    );
  }
  return decoded;
}

let decoderClass: Promise<typeof JpegLosslessDecoder> | undefined;

/**
 * The package loads on first use: with the native DCMTK addon (the usual case) a decoding thread
 * never needs it, and loading it cost every worker thread and stage process about 15 ms of CPU.
 */
function jpegLosslessDecoderClass(): Promise<typeof JpegLosslessDecoder> {
  decoderClass ??= import("jpeg-lossless-decoder-js").then((module) => module.Decoder);
  return decoderClass;
}
