import { inflateRawSync } from "node:zlib";
import dicomParser, { type DataSet } from "dicom-parser";
import { DicomError, describeThrown } from "./errors.ts";

export interface ParseLimits {
  /** Upper bound of the inflated data set of a Deflated Explicit VR file, so a zip bomb cannot exhaust memory. */
  maxInflatedBytes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxInflatedBytes: 1 << 30 };

/**
 * Parses a Part-10 file (preamble, DICM, meta header, data set) with dicom-parser. The data set
 * of a deflated file is inflated with node:zlib, bounded by `limits.maxInflatedBytes`.
 */
export function parsePart10(bytes: Uint8Array, limits: ParseLimits = DEFAULT_PARSE_LIMITS): DataSet {
  if (bytes.length < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== "DICM") {
    throw new DicomError(
      "not-dicom",
      bytes.length < 132
        ? `not a DICOM Part-10 file: only ${bytes.length} bytes, too short for the 128-byte preamble and "DICM"`
        : 'not a DICOM Part-10 file: no "DICM" prefix at byte 128',
    );
  }
  const inflater = (array: Uint8Array, position: number): Uint8Array => {
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(array.subarray(position), { maxOutputLength: limits.maxInflatedBytes });
    } catch (error) {
      throw new DicomError("invalid-header", `the deflated data set cannot be inflated: ${describeThrown(error)}`);
    }
    const whole = new Uint8Array(position + inflated.length);
    whole.set(array.subarray(0, position), 0);
    whole.set(inflated, position);
    return whole;
  };
  try {
    // The typings declare the inflater as returning void; dicom-parser uses its return value.
    return dicomParser.parseDicom(bytes, { inflater: inflater as unknown as (a: Uint8Array, p: number) => void });
  } catch (error) {
    if (error instanceof DicomError) throw error;
    const reason = describeThrown(error);
    const truncated = /past end|end of buffer|overread|overrun|beyond|overflow|maxPosition/i.test(reason);
    throw truncated
      ? new DicomError("truncated", `the file is truncated: the data set ends inside an element (${reason})`)
      : new DicomError("invalid-header", `cannot parse the data set: ${reason}`);
  }
}
