import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DicomError, readDicom } from "../../jobs/ts/dicom/index.ts";
import { fuzz } from "../unit/dicom/support/fuzz.ts";
import { compareWithReferences, type ReferenceResult } from "./support/dicom-compare.ts";
import {
  expectCoverageSection,
  fileTable,
  type KnownOutcomes,
  markdownTable,
  type Row,
  rowOf,
  syntaxName,
  syntaxOutcomeTable,
} from "./support/dicom-coverage.ts";
import { bytesOf, GENERATED_DIR, generatedOnce, PYTHON, REPO_ROOT, runReference } from "./support/dicom-fixtures.ts";

// Our synthetic mammograms as DCMTK and GDCM write them (make_toolkit_variants.py): fragments,
// offset tables, each toolkit's padding, odd lengths, several frames. Each file is decoded equal
// to every reference that decodes it, or refused for a reason written here; the table goes to
// docs/dicom-coverage.md. 14 cases at 3000×2400 and 14 at 301×237: the references take about
// 1.5 minutes on a busy 2-core machine (pydicom's four decoders on each file), the two fuzz runs
// under one; the files are generated once per generator version (about 3 minutes).

const GENERATOR = path.join(REPO_ROOT, "tests/fixtures/dicom/make_toolkit_variants.py");
const SCRIPTS = [GENERATOR, path.join(REPO_ROOT, "tests/fixtures/dicom/generate_studies.py")];

interface ToolkitFile {
  file: string;
  tool: string;
  command: string;
  size: string;
  syntax: string;
  frames: number;
  fragments?: number;
  offsetTable?: number;
  end?: string;
}

interface ToolkitManifest {
  generator: string;
  files: ToolkitFile[];
}

const KNOWN: KnownOutcomes = {
  refusedThoughDecoded: {
    "dcmtk:dcmtk-3-frames-fragments-no-table.dcm": {
      code: "unsupported-pixel-format",
      why: "3 frames in many fragments with an empty offset table: pydicom finds each frame's first fragment by its JPEG start marker; readDicom needs the offset table or one fragment per frame (the pipeline takes single-frame mammograms only)",
    },
  },
  divergent: {},
};

describe("DCMTK- and GDCM-written variants of the synthetic mammograms", () => {
  let manifest: ToolkitManifest & { dir: string };
  const rows: Row[] = [];
  beforeAll(async () => {
    manifest = await generatedOnce<ToolkitManifest>(path.join(GENERATED_DIR, "toolkit-parity"), SCRIPTS, [
      "--set",
      "parity",
    ]);
    const files = manifest.files.map((f) => path.join(manifest.dir, f.file));
    const references = await runReference<ReferenceResult>(
      "decode_raw.py",
      path.join(GENERATED_DIR, "ref-toolkit"),
      files,
    );
    const byFile = new Map(references.map((r) => [r.file, r]));
    for (const [i, f] of manifest.files.entries()) {
      const file = files[i] as string;
      const reference = byFile.get(file) ?? { file, frame: null, results: {} };
      rows.push(
        rowOf(
          `${f.tool.startsWith("gdcm") ? "gdcm" : "dcmtk"}:${f.file}`,
          syntaxName(reference),
          await compareWithReferences(reference),
          KNOWN,
        ),
      );
    }
  }, 600_000);

  it("the toolkits wrote what each case is about", () => {
    const byName = new Map(manifest.files.map((f) => [f.file.replace(/\.dcm$/, ""), f]));
    const facts = (name: string) => {
      const f = byName.get(name) as ToolkitFile;
      return [f.size, f.fragments, f.offsetTable, f.end];
    };
    // Many fragments of a full-size frame; DCMTK's table has one entry per frame, GDCM's is empty.
    expect(facts("dcmtk-jpeg-sv1")).toEqual(["3000x2400", 1, 1, expect.stringMatching(/ffd9$/)]);
    for (const name of ["dcmtk-jpeg-sv1-fragments-no-table", "dcmtk-jls-fragments-no-table", "gdcm-jls-split"]) {
      expect((byName.get(name) as ToolkitFile).fragments, name).toBeGreaterThan(20);
      expect((byName.get(name) as ToolkitFile).offsetTable, name).toBe(0);
    }
    expect((byName.get("dcmtk-jpeg-sv1-fragments-table") as ToolkitFile).offsetTable).toBe(1);
    // Odd-length streams: DCMTK's FF fill byte before the end marker or a zero after it, GDCM's zero.
    expect(facts("dcmtk-jls-odd-pad-fill").slice(3)).toEqual([expect.stringMatching(/ffffd9$/)]);
    expect(facts("dcmtk-jls-odd-pad-zero").slice(3)).toEqual([expect.stringMatching(/ffd900$/)]);
    expect(facts("gdcm-jls-odd").slice(3)).toEqual([expect.stringMatching(/ffd900$/)]);
    expect(facts("dcmtk-jpeg-odd").slice(3)).toEqual([expect.stringMatching(/ffffd9$/)]);
    expect(facts("gdcm-jpeg-odd").slice(3)).toEqual([expect.stringMatching(/ffd900$/)]);
    // 301×237 8-bit samples are 71,337 bytes, padded to even.
    for (const name of ["dcmtk-native-odd", "gdcm-native-odd"]) {
      expect((byName.get(name) as ToolkitFile & { pixelDataBytes: number }).pixelDataBytes, name).toBe(71338);
    }
    expect(facts("dcmtk-3-frames-fragments-table").slice(2)).toEqual([3, expect.any(String)]);
  });

  it("each file is decoded equal to the references or refused for a known reason", () => {
    expect(rows).toHaveLength(manifest.files.length);
    expect(rows.filter((r) => r.problem).map((r) => `${r.file}: ${r.problem} (${r.detail})`)).toEqual([]);
    expect(rows.filter((r) => r.result === "decoded, exact").length).toBe(rows.length - 1);
  });

  // The table compares frame 0; the later frames are where an offset table is needed to find them.
  it("the later frames of the 3-frame files: pydicom's values, or the same refusal", async () => {
    const multi = manifest.files.filter((f) => f.frames === 3);
    expect(multi).toHaveLength(4);
    for (const f of multi) {
      const file = path.join(manifest.dir, f.file);
      const { stdout } = await promisify(execFile)(
        PYTHON,
        [
          "-c",
          "import sys, pydicom; from pydicom.pixels import pixel_array; sys.stdout.buffer.write(pixel_array(pydicom.dcmread(sys.argv[1])).tobytes())",
          file,
        ],
        { encoding: "buffer", maxBuffer: 1 << 24 },
      );
      for (const frame of [1, 2]) {
        const expected = stdout.subarray((frame * stdout.length) / 3, ((frame + 1) * stdout.length) / 3);
        try {
          const image = await readDicom(new Uint8Array(readFileSync(file)), { frame });
          expect(bytesOf(image.pixels).equals(expected), `${f.file} frame ${frame}`).toBe(true);
        } catch (error) {
          expect((error as DicomError).code, `${f.file} frame ${frame}: ${error}`).toBe(
            KNOWN.refusedThoughDecoded[`dcmtk:${f.file}`]?.code,
          );
        }
      }
    }
  });

  it("docs/dicom-coverage.md holds the table of this run", () => {
    // The syntax × outcome table, printed for the run's log.
    console.log(syntaxOutcomeTable(rows).join("\n"));
    const commands = markdownTable(
      ["file", "size", "written by"],
      manifest.files.map((f) => [f.file, f.size, f.command]),
    );
    expectCoverageSection(
      path.relative(REPO_ROOT, __filename),
      [...syntaxOutcomeTable(rows), "", ...fileTable(rows), "", ...commands].join("\n"),
    );
  });
});

// The same cases at 301×237 (fragment limits scaled down so each frame still spans many
// fragments): a thousand mutations must each decode or end in a DicomError, with the native
// decoders and with the portable ones.
describe.each([
  ["default decoders", {}],
  ["portable decoders", { MAMMOFLOW_J2K_DECODER: "wasm", MAMMOFLOW_JPEG_LOSSLESS_DECODER: "js" }],
] as [string, Record<string, string>][])("1,000 mutations of the toolkit-written files (%s)", (_, env) => {
  let seeds: { name: string; bytes: Uint8Array }[] = [];
  beforeAll(async () => {
    const small = await generatedOnce<ToolkitManifest>(path.join(GENERATED_DIR, "toolkit-fuzz"), SCRIPTS, [
      "--set",
      "fuzz",
    ]);
    seeds = small.files.map((f) => ({
      name: f.file,
      bytes: new Uint8Array(readFileSync(path.join(small.dir, f.file))),
    }));
    Object.assign(process.env, env);
  }, 300_000);
  afterAll(() => {
    for (const name of Object.keys(env)) delete process.env[name];
  });

  it("nothing but a DicomError escapes", async () => {
    expect(seeds.length).toBe(28);
    const { escaped, outcomes } = await fuzz(seeds, 1000, 20261202);
    expect(escaped).toEqual([]);
    expect(outcomes.decoded).toBeGreaterThan(50);
    expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(5);
  }, 300_000);
});
