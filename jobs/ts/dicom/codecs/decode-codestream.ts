import { Decoder as JpegLosslessDecoder } from "jpeg-lossless-decoder-js";
import { DicomError, describeThrown } from "../errors.ts";
import type { PixelFormat } from "../pixel-format.ts";
import type { DecodedSamples } from "../stored-values.ts";
import type { PixelEncoding } from "../transfer-syntax.ts";
import {
  type CodestreamHeader,
  isReversibleJpeg2000,
  jpeg2000Codestream,
  readCodestreamHeader,
  requireEndMarker,
} from "./codestream-header.ts";
import { activeNativeJpegLossless, type NativeJpegLossless } from "./native-ljpeg.ts";
import { activeNativeOpenJpeg, type NativeOpenJpeg } from "./native-openjpeg.ts";
import { type CodecName, codecModule, discardCodecModule } from "./wasm-modules.ts";

const WASM_DECODERS: Record<CodecName, () => Promise<WasmDecoder>> = {
  openjpeg: async () => new (await codecModule("openjpeg")).J2KDecoder(),
  openjph: async () => new (await codecModule("openjph")).HTJ2KDecoder(),
  charls: async () => new (await codecModule("charls")).JpegLSDecoder(),
  libjpegTurbo: async () => new (await codecModule("libjpegTurbo")).JPEGDecoder(),
};

/** Which WASM codec decodes a codestream; undefined for JPEG Lossless (a JS decoder). */
function wasmCodecFor(
  encoding: PixelEncoding,
  codestream: Uint8Array,
  header: CodestreamHeader,
): CodecName | undefined {
  switch (encoding) {
    case "jpeg2000":
      return "openjpeg";
    case "htj2k":
      // Reversible streams decode identically everywhere and OpenJPH is the HT decoder; for
      // irreversible ones OpenJPEG gives the bits pydicom's pylibjpeg-openjpeg gives.
      return isReversibleJpeg2000(codestream) ? "openjph" : "openjpeg";
    case "jpeg-ls":
      return "charls";
    case "jpeg-baseline":
    case "jpeg-extended":
      if (header.precision > 8) {
        throw new DicomError(
          "unsupported-transfer-syntax",
          `${header.precision}-bit lossy JPEG is not supported: the libjpeg-turbo codec decodes 8-bit JPEG only`,
        );
      }
      return "libjpegTurbo";
    case "jpeg-lossless":
      return undefined;
    default:
      throw new DicomError("unsupported-transfer-syntax", `no codec for ${encoding} codestreams`);
  }
}

/**
 * Decodes one frame's codestream with the library for its transfer syntax and checks that what
 * came out has exactly the size the DICOM header declares: a codec that returns nothing, too
 * little, or another image is an error, never a silently wrong picture.
 */
export async function decodeCodestream(
  encoding: PixelEncoding,
  frame: Uint8Array,
  format: PixelFormat,
): Promise<DecodedSamples> {
  const wrapped = encoding === "jpeg2000" || encoding === "htj2k" ? jpeg2000Codestream(frame) : frame;
  const header = readCodestreamHeader(encoding, wrapped);
  checkAgainstDicom(encoding, header, format);
  const codec = wasmCodecFor(encoding, wrapped, header);
  // Decoders get the codestream without the padding after its end marker.
  const codestream = requireEndMarker(wrapped);
  if (codec === undefined) {
    const native = activeNativeJpegLossless();
    if (native !== undefined) return decodeNativeJpegLossless(native, codestream, header, format);
    return decodeJpegLossless(codestream, header, format);
  }
  if (encoding === "jpeg2000") {
    const native = activeNativeOpenJpeg();
    if (native !== undefined) return decodeNativeJpeg2000(native.addon, native.threads, codestream, format);
  }
  return runWasm(codec, encoding, format, WASM_DECODERS[codec], codestream);
}

function checkAgainstDicom(encoding: PixelEncoding, header: CodestreamHeader, format: PixelFormat): void {
  if (
    header.width !== format.columns ||
    header.height !== format.rows ||
    header.components !== format.samplesPerPixel
  ) {
    throw new DicomError(
      "inconsistent-size",
      `${encoding} codestream is ${header.height}×${header.width} with ${header.components} component(s), the DICOM header says ${format.rows}×${format.columns} with ${format.samplesPerPixel}`,
    );
  }
  if (header.precision > format.bitsAllocated || header.precision < 1) {
    throw new DicomError(
      "inconsistent-size",
      `${encoding} codestream has ${header.precision}-bit samples, more than BitsAllocated ${format.bitsAllocated}`,
    );
  }
}

function expectedSampleCount(format: PixelFormat): number {
  return format.rows * format.columns * format.samplesPerPixel;
}

/**
 * What a codec returned, as samples of its width and signedness, once it is exactly the size the
 * DICOM header declares (a codec that returns nothing, too little or another image is an error).
 */
function checkedSamples(
  encoding: PixelEncoding,
  format: PixelFormat,
  info: Required<CodecFrameInfo>,
  bytes: Uint8Array,
  copy: boolean,
): DecodedSamples {
  const bytesPerSample = info.bitsPerSample > 8 ? 2 : 1;
  const count = expectedSampleCount(format);
  if (
    info.width !== format.columns ||
    info.height !== format.rows ||
    info.componentCount !== format.samplesPerPixel ||
    bytes.length !== count * bytesPerSample
  ) {
    throw new DicomError(
      "codec-failed",
      `${encoding} decoder returned ${bytes.length} bytes for ${info.height}×${info.width}×${info.componentCount} at ${info.bitsPerSample} bits; the image needs ${count} samples`,
    );
  }
  const own = copy ? bytes.slice() : bytes;
  if (bytesPerSample === 1) return info.isSigned ? new Int8Array(own.buffer, own.byteOffset, count) : own;
  return info.isSigned
    ? new Int16Array(own.buffer, own.byteOffset, count)
    : new Uint16Array(own.buffer, own.byteOffset, count);
}

async function runWasm(
  codec: CodecName,
  encoding: PixelEncoding,
  format: PixelFormat,
  create: () => Promise<WasmDecoder>,
  codestream: Uint8Array,
): Promise<DecodedSamples> {
  const decoder = await create();
  try {
    decoder.getEncodedBuffer(codestream.length).set(codestream);
    decoder.decode();
    const info = decoder.getFrameInfo();
    // Copied out of the WASM heap before the decoder is freed.
    return checkedSamples(
      encoding,
      format,
      { ...info, isSigned: info.isSigned ?? false },
      decoder.getDecodedBuffer(),
      true,
    );
  } catch (error) {
    if (error instanceof DicomError) throw error;
    discardCodecModule(codec);
    throw new DicomError("codec-failed", `${encoding} decoder failed: ${describeThrown(error)}`);
  } finally {
    try {
      decoder.delete();
    } catch {
      // A decoder of an aborted module cannot be freed; the module is discarded anyway.
    }
  }
}

/** The same OpenJPEG as the WASM build, compiled natively (codecs/native/openjpeg-addon.c). */
function decodeNativeJpeg2000(
  addon: NativeOpenJpeg,
  threads: number,
  codestream: Uint8Array,
  format: PixelFormat,
): DecodedSamples {
  let decoded: ReturnType<NativeOpenJpeg["decode"]>;
  try {
    decoded = addon.decode(codestream, threads, expectedSampleCount(format));
  } catch (error) {
    throw new DicomError("codec-failed", `jpeg2000 decoder failed: ${describeThrown(error)}`);
  }
  return checkedSamples("jpeg2000", format, decoded, decoded.samples, false);
}

/** DCMTK's IJG lossless decoder (codecs/native/ljpeg-addon.cc); sizes come from the SOF3 header. */
function decodeNativeJpegLossless(
  addon: NativeJpegLossless,
  codestream: Uint8Array,
  header: CodestreamHeader,
  format: PixelFormat,
): DecodedSamples {
  const count = expectedSampleCount(format);
  let samples: Uint8Array;
  try {
    samples = addon.decode(codestream, header.precision, count);
  } catch (error) {
    throw new DicomError("codec-failed", `jpeg-lossless decoder failed: ${describeThrown(error)}`);
  }
  return header.precision > 8 ? new Uint16Array(samples.buffer) : samples;
}

function decodeJpegLossless(codestream: Uint8Array, header: CodestreamHeader, format: PixelFormat): DecodedSamples {
  const decoder = new JpegLosslessDecoder();
  let decoded: Uint8Array | Uint16Array;
  try {
    decoded = decoder.decode(codestream.buffer, codestream.byteOffset, codestream.length, header.precision > 8 ? 2 : 1);
  } catch (error) {
    throw new DicomError("codec-failed", `jpeg-lossless decoder failed: ${describeThrown(error)}`);
  }
  const count = expectedSampleCount(format);
  // The decoder keeps going past the end of a short stream; where it stopped tells.
  const finished =
    decoder.yLoc >= header.height || (decoder.yLoc === header.height - 1 && decoder.xLoc >= header.width);
  if (decoded.length !== count || !finished) {
    throw new DicomError(
      "codec-failed",
      `jpeg-lossless decoder returned ${decoded.length} samples and stopped at row ${decoder.yLoc}; the image needs ${count} samples in ${header.height} rows`,
    );
  }
  return decoded;
}
