import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedStudies, pydicomTestFiles, REPO_ROOT } from "../../parity/support/dicom-fixtures.ts";
import { fuzz } from "./support/fuzz.ts";

const CASES = 1200;

// The default decoders (the native JPEG 2000 and JPEG Lossless addons where built) and the portable
// ones they replace, each fed the same mutated files.
const DECODERS: [string, Record<string, string>][] = [
  ["default decoders", {}],
  ["portable decoders", { MAMMOFLOW_J2K_DECODER: "wasm", MAMMOFLOW_JPEG_LOSSLESS_DECODER: "js" }],
];

describe.each(DECODERS)("fuzzing readDicom with mutated studies (%s)", (_, env) => {
  let seeds: { name: string; bytes: Uint8Array }[] = [];
  beforeAll(async () => {
    const manifest = await generatedStudies();
    // One small study per transfer syntax (and shape), so every decoder is fed mutated input.
    const chosen = manifest.files.filter((f) => f.variant === "mg12-m2-linear" || f.variant === "cmmd8-m2");
    seeds = chosen.map((f) => ({ name: f.file, bytes: new Uint8Array(readFileSync(path.join(manifest.dir, f.file))) }));
    Object.assign(process.env, env);
  }, 600_000);
  afterAll(() => {
    for (const name of Object.keys(env)) delete process.env[name];
  });

  it(`${CASES} mutated files: each decodes to a full-size image or fails with a DicomError; nothing else escapes`, async () => {
    expect(seeds.length).toBeGreaterThanOrEqual(30);
    const { escaped, outcomes } = await fuzz(seeds, CASES, 20230227);
    expect(escaped).toEqual([]);
    // Both sides were reached: mutations that still decode and many kinds of refusal.
    expect(outcomes.decoded).toBeGreaterThan(50);
    expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(6);
  }, 300_000);

  // Real files of the JPEG paths issue 19 added or mended: 12-bit lossy JPEG (DCMTK's 12-bit build
  // natively, a refusal with the portable decoders) and JPEG Lossless with its end-marker padding.
  it("1000 mutations of real 12-bit JPEG Extended and JPEG Lossless files: nothing but a DicomError escapes", async () => {
    const real = (await pydicomTestFiles()).filter((f) => /^(JPGExtended|JPEG-lossy)\.dcm$/.test(path.basename(f)));
    const lossless = ["jpeg_lossless_sel1-8bit.dcm", "jpeg_lossless_sel1.dcm"].map((f) =>
      path.join(REPO_ROOT, "node_modules/jpeg-lossless-decoder-js/tests/data", f),
    );
    const files = [...real, ...lossless].map((f) => ({
      name: path.basename(f),
      bytes: new Uint8Array(readFileSync(f)),
    }));
    expect(files).toHaveLength(4);
    const { escaped, outcomes } = await fuzz(files, 1000, 20191119);
    expect(escaped).toEqual([]);
    expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(3);
  }, 300_000);
});
