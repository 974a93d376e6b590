import { readFileSync } from "node:fs";
import { DicomError, readDicom } from "../../../jobs/ts/dicom/index.ts";
import { bytesOf } from "./dicom-fixtures.ts";

/** One line of tests/parity/reference/decode_raw.py: each plugin's stored values or its error. */
export interface ReferenceResult {
  file: string;
  frame: number | null;
  /** The meta header's transfer syntax UID as pydicom reads it ("" when there is none). */
  syntax?: string;
  results: Record<string, { dtype: string; shape: number[]; bin: string } | { error: string }>;
}

const DTYPE_OF: Record<string, string> = {
  Uint8Array: "uint8",
  Int8Array: "int8",
  Uint16Array: "uint16",
  Int16Array: "int16",
  Uint32Array: "uint32",
  Int32Array: "int32",
};

/**
 * Lossy JPEG (.50/.51) is compared with GDCM only: pylibjpeg-libjpeg's IDCT rounds differently from
 * the IJG-derived decoders. 12-bit .51 with GDCM called directly ("gdcm-direct"): pydicom's GDCM
 * plugin refuses it by a version check (decode_raw.py).
 */
const LOSSY_JPEG = new Set(["1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"]);
const GDCM_PLUGINS = new Set(["gdcm", "gdcm-direct"]);

export type Comparison =
  | { decoded: true; syntax: string; equal: string[]; differing: string[] }
  | { decoded: false; code: string; message: string; referencesDecoding: string[] };

/** The reference plugins that decoded the file. */
export function decodingPlugins(reference: ReferenceResult): string[] {
  return Object.entries(reference.results)
    .filter(([, result]) => !("error" in result))
    .map(([plugin]) => plugin);
}

/**
 * Decodes the reference's file (its frame) with readDicom and compares the stored values, dtype
 * included, with each reference plugin that decoded it and counts for its transfer syntax.
 */
export async function compareWithReferences(reference: ReferenceResult, syntax?: string): Promise<Comparison> {
  let image: Awaited<ReturnType<typeof readDicom>>;
  try {
    image = await readDicom(
      new Uint8Array(readFileSync(reference.file)),
      reference.frame === null ? {} : { frame: reference.frame },
    );
  } catch (error) {
    return {
      decoded: false,
      code: error instanceof DicomError ? error.code : "not a DicomError",
      message: (error as Error).message,
      referencesDecoding: decodingPlugins(reference),
    };
  }
  const uid = syntax ?? image.transferSyntax.uid;
  const mine = bytesOf(image.pixels);
  const equal: string[] = [];
  const differing: string[] = [];
  for (const [plugin, result] of Object.entries(reference.results)) {
    if ("error" in result || (LOSSY_JPEG.has(uid) && !GDCM_PLUGINS.has(plugin))) continue;
    const same = result.dtype === DTYPE_OF[image.pixels.constructor.name] && readFileSync(result.bin).equals(mine);
    (same ? equal : differing).push(plugin);
  }
  return { decoded: true, syntax: uid, equal, differing };
}
