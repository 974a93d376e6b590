import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { compareWithReferences, type ReferenceResult } from "./support/dicom-compare.ts";
import { GENERATED_DIR, generatedStudies, type Manifest, runReference } from "./support/dicom-fixtures.ts";

interface Outcome {
  file: string;
  problem?: string;
  compared: string[];
}

/** A synthetic study must decode and equal every reference that decodes it (lossy JPEG: GDCM). */
async function compare(reference: ReferenceResult, syntax: string | undefined): Promise<Outcome> {
  const file = path.basename(reference.file);
  const result = await compareWithReferences(reference, syntax);
  if (!result.decoded) {
    return {
      file,
      compared: [],
      problem: `TS failed (${result.code}: ${result.message}); references ok: ${result.referencesDecoding}`,
    };
  }
  if (result.differing.length > 0) {
    return { file, compared: result.equal, problem: `differs from ${result.differing}` };
  }
  return result.equal.length === 0
    ? { file, compared: [], problem: "no reference decoded it" }
    : { file, compared: result.equal };
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
    const outcomes = await Promise.all(references.map((r) => compare(r, syntax.get(r.file))));
    expect(outcomes.filter((o) => o.problem)).toEqual([]);
    // Each file was checked against at least one independent decoder; lossless ones against several.
    expect(outcomes.every((o) => o.compared.length >= 1)).toBe(true);
    const syntaxes = new Set(manifest.files.map((f) => f.syntax));
    expect(syntaxes.size).toBe(16);
    expect(manifest.skipped).toEqual([]);
  }, 300_000);
});
