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
import { decodePortableJpegLossless } from "./portable-jpeg-lossless.ts";
import { type CodecName, codecModule, discardCodecModule } from "./wasm-modules.ts";

const WASM_DECODERS: Record<CodecName, () => Promise<WasmDecoder>> = {
  openjpeg: async () => new (await codecModule("openjpeg")).J2KDecoder(),
  openjph: async () => new (await codecModule("openjph")).HTJ2KDecoder(),
  charls: async () => new (await codecModule("charls")).JpegLSDecoder(),
  libjpegTurbo: async () => new (await codecModule("libjpegTurbo")).JPEGDecoder(),
};

/** Which WASM codec decodes a codestream; undefined for JPEG Lossless (a JS decoder). */
function wasmCodecFor(encoding: PixelEncoding, codestream: Uint8Array): CodecName | undefined {
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
      // 12-bit lossy JPEG goes to DCMTK (decodeTwelveBitJpeg) before a codec is chosen.
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
  const lossyJpeg = encoding === "jpeg-baseline" || encoding === "jpeg-extended";
  if (lossyJpeg && header.precision > 8)
    return decodeTwelveBitJpeg(encoding, requireEndMarker(wrapped), header, format);
  const codec = wasmCodecFor(encoding, wrapped);
  // Decoders get the codestream without the padding after its end marker.
  const codestream = requireEndMarker(wrapped);
  if (codec === undefined) {
    const native = activeNativeJpegLossless();
    if (native !== undefined) return decodeWithDcmtk(native, encoding, codestream, header, format);
    return decodePortableJpegLossless(codestream, header, expectedSampleCount(format));
  }
  if (encoding === "jpeg2000") {
    const native = activeNativeOpenJpeg();
    if (native !== undefined) return decodeNativeJpeg2000(native.addon, native.threads, codestream, format);
  }
  return runWasm(codec, encoding, format, WASM_DECODERS[codec], codestream);
}

function checkAgainstDicom(encoding: PixelEncoding, header: CodestreamHeader, format: PixelFormat): void {
  refuseRgbTakenAsYcbcr(encoding, header, format);
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

/**
 * A lossy JPEG the DICOM header calls RGB but whose markers make libjpeg take it as YCbCr (no
 * JFIF or Adobe marker, component ids other than 'R','G','B'): libjpeg-turbo would convert it
 * to other values than the references, which go by the header. Refused with the reason; the
 * pipeline converts grayscale images only.
 */
function refuseRgbTakenAsYcbcr(encoding: PixelEncoding, header: CodestreamHeader, format: PixelFormat): void {
  const lossy = encoding === "jpeg-baseline" || encoding === "jpeg-extended";
  if (lossy && header.jpegSaysRgb === false && format.photometricInterpretation === "RGB") {
    throw new DicomError(
      "unsupported-pixel-format",
      `${encoding} codestream: the DICOM header says RGB but the JPEG markers say YCbCr (no JFIF or Adobe marker, component ids not R,G,B), which this decoder would colour-convert; only grayscale images are converted`,
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

/**
 * 12-bit lossy JPEG (JPEG Extended, process 4; some mammography archives hold it) through DCMTK's
 * 12-bit IJG build, the IJG code GDCM decodes it with, in the native JPEG addon. libjpeg-turbo's
 * WASM codec decodes 8-bit JPEG only, so without the addon such an image is refused, saying so.
 * One component only: the addon does no colour conversion, which a 12-bit YCbCr image would need.
 */
function decodeTwelveBitJpeg(
  encoding: PixelEncoding,
  codestream: Uint8Array,
  header: CodestreamHeader,
  format: PixelFormat,
): DecodedSamples {
  if (header.precision !== 12) {
    throw new DicomError(
      "unsupported-transfer-syntax",
      `${encoding} codestream has ${header.precision}-bit samples; lossy JPEG has 8 or 12`,
    );
  }
  if (header.components !== 1) {
    throw new DicomError(
      "unsupported-transfer-syntax",
      `12-bit lossy JPEG with ${header.components} components is not supported: only grayscale 12-bit lossy JPEG is decoded`,
    );
  }
  const native = activeNativeJpegLossless();
  if (native === undefined) {
    throw new DicomError(
      "unsupported-transfer-syntax",
      "12-bit lossy JPEG needs the native DCMTK decoder (build/native/ljpeg.node, built by npm run setup), which this process does not use (not built, or MAMMOFLOW_JPEG_LOSSLESS_DECODER=js); the portable libjpeg-turbo codec decodes 8-bit JPEG only",
    );
  }
  return decodeWithDcmtk(native, encoding, codestream, header, format);
}

/** DCMTK's IJG build (codecs/native/ljpeg-addon.cc), 8, 12 or 16 bits by the SOF header's precision. */
function decodeWithDcmtk(
  addon: NativeJpegLossless,
  encoding: PixelEncoding,
  codestream: Uint8Array,
  header: CodestreamHeader,
  format: PixelFormat,
): DecodedSamples {
  const count = expectedSampleCount(format);
  let samples: Uint8Array;
  try {
    samples = addon.decode(codestream, header.precision, count);
  } catch (error) {
    throw new DicomError("codec-failed", `${encoding} decoder failed: ${describeThrown(error)}`);
  }
  return header.precision > 8 ? new Uint16Array(samples.buffer) : samples;
}
