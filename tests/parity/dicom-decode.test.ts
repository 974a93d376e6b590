import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DicomError, type DicomErrorCode, readDicom } from "../../jobs/ts/dicom/index.ts";
import {
  bytesOf,
  GENERATED_DIR,
  generatedStudies,
  type Manifest,
  pydicomTestFiles,
  runReference,
} from "./support/dicom-fixtures.ts";

interface ReferenceResult {
  file: string;
  frame: number | null;
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

/** pydicom test files this decoder refuses, and why (every other one must decode and match). */
const EXPECTED_ERRORS: Record<string, DicomErrorCode> = {
  "ExplVR_BigEndNoMeta.dcm": "not-dicom",
  "ExplVR_LitEndNoMeta.dcm": "not-dicom",
  "no_meta.dcm": "not-dicom",
  "rtstruct.dcm": "not-dicom",
  "JPEG2000-embedded-sequence-delimiter.dcm": "inconsistent-size", // pydicom fails on it too
  "MR_truncated.dcm": "truncated",
  "rtplan_truncated.dcm": "truncated",
  "SC_rgb_jpeg.dcm": "truncated", // dicom-parser overruns its undefined-length sequence; pydicom tolerates it
  "SC_ybr_full_422_uncompressed.dcm": "unsupported-pixel-format",
  "liver_1frame.dcm": "unsupported-pixel-format", // BitsAllocated 1
  "liver_expb_1frame.dcm": "unsupported-pixel-format",
  "badVR.dcm": "invalid-header",
  "meta_missing_tsyntax.dcm": "invalid-header",
  "nested_priv_SQ.dcm": "invalid-header",
  "UN_sequence.dcm": "missing-pixel-data",
  "empty_charset_LEI.dcm": "missing-pixel-data",
  "no_meta_group_length.dcm": "missing-pixel-data",
  "priv_SQ.dcm": "missing-pixel-data",
  "reportsi.dcm": "missing-pixel-data",
  "reportsi_with_empty_number_tags.dcm": "missing-pixel-data",
  "rtplan.dcm": "missing-pixel-data",
  "test-SR.dcm": "missing-pixel-data",
  "waveform_ecg.dcm": "missing-pixel-data",
};

/** Decodes that are known to differ from every reference, with the reason. */
const KNOWN_DIVERGENT: Record<string, string> = {
  "SC_jpeg_no_color_transform.dcm":
    "RGB baseline JPEG marked 'no colour transform' (Adobe APP14): libjpeg-turbo converts it as YCbCr",
};

interface Outcome {
  file: string;
  problem?: string;
  compared: string[];
}

async function compare(reference: ReferenceResult, syntaxOf: (file: string) => string | undefined): Promise<Outcome> {
  const name = path.basename(reference.file);
  const ok = Object.entries(reference.results).filter(
    (entry): entry is [string, { dtype: string; shape: number[]; bin: string }] => !("error" in entry[1]),
  );
  let image: Awaited<ReturnType<typeof readDicom>>;
  try {
    image = await readDicom(
      new Uint8Array(readFileSync(reference.file)),
      reference.frame === null ? {} : { frame: reference.frame },
    );
  } catch (error) {
    const code = error instanceof DicomError ? error.code : "not a DicomError";
    if (EXPECTED_ERRORS[name] === code) return { file: name, compared: [] };
    return {
      file: name,
      compared: [],
      problem: `TS failed (${code}: ${(error as Error).message}); references ok: ${ok.map(([p]) => p)}`,
    };
  }
  if (EXPECTED_ERRORS[name])
    return { file: name, compared: [], problem: `expected ${EXPECTED_ERRORS[name]}, but it decoded` };
  const syntax = syntaxOf(reference.file) ?? image.transferSyntax.uid;
  const candidates = ok.filter(([plugin]) => !LOSSY_JPEG.has(syntax) || GDCM_PLUGINS.has(plugin));
  if (candidates.length === 0) return { file: name, compared: [], problem: "no reference decoded it" };
  const mine = bytesOf(image.pixels);
  const compared: string[] = [];
  const differing: string[] = [];
  for (const [plugin, result] of candidates) {
    const same = result.dtype === DTYPE_OF[image.pixels.constructor.name] && readFileSync(result.bin).equals(mine);
    (same ? compared : differing).push(plugin);
  }
  if (KNOWN_DIVERGENT[name]) {
    return compared.length === 0
      ? { file: name, compared }
      : { file: name, compared, problem: "known divergence no longer differs" };
  }
  return differing.length === 0
    ? { file: name, compared }
    : { file: name, compared, problem: `differs from ${differing}` };
}

describe("DICOM decoding is bit-exact against pydicom 3 with GDCM, pylibjpeg and pyjpegls", () => {
  let manifest: Manifest & { dir: string };
  beforeAll(async () => {
    manifest = await generatedStudies();
  }, 600_000);

  it("every synthetic study in every transfer syntax equals every reference that decodes it", async () => {
    const files = manifest.files.map((f) => path.join(manifest.dir, f.file));
    const references = await runReference<ReferenceResult>(
      "decode_raw.py",
      path.join(GENERATED_DIR, "ref-decode"),
      files,
    );
    expect(references.length).toBe(files.length);
    const syntax = new Map(manifest.files.map((f) => [path.join(manifest.dir, f.file), f.syntax]));
    const outcomes = await Promise.all(references.map((r) => compare(r, (file) => syntax.get(file))));
    expect(outcomes.filter((o) => o.problem)).toEqual([]);
    // Each file was checked against at least one independent decoder; lossless ones against several.
    expect(outcomes.every((o) => o.compared.length >= 1)).toBe(true);
    const syntaxes = new Set(manifest.files.map((f) => f.syntax));
    expect(syntaxes.size).toBe(16);
    expect(manifest.skipped).toEqual([]);
  }, 300_000);

  it("pydicom's own test files decode to the same values, or fail with the expected reason", async () => {
    const files = await pydicomTestFiles();
    expect(files.length).toBeGreaterThan(70);
    const references = await runReference<ReferenceResult>(
      "decode_raw.py",
      path.join(GENERATED_DIR, "ref-pydicom"),
      files,
    );
    const outcomes = await Promise.all(references.map((r) => compare(r, () => undefined)));
    expect(outcomes.filter((o) => o.problem)).toEqual([]);
    const decoded = outcomes.filter((o) => o.compared.length > 0).length;
    expect(decoded).toBeGreaterThanOrEqual(50);
  }, 300_000);
});
