import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { transferSyntaxOf } from "../../jobs/ts/dicom/index.ts";
import { type Comparison, compareWithReferences, type ReferenceResult } from "./support/dicom-compare.ts";
import { GENERATED_DIR, pydicomDataDir, REPO_ROOT, runReference } from "./support/dicom-fixtures.ts";

// Every DICOM file the installed packages ship, decoded by us and by pydicom with each of its
// decoders (decode_raw.py): each one we decode equals every reference that decodes it, each one we
// refuse is refused for a reason written here. The table goes to docs/dicom-coverage.md.
// ~110 files, about 20 s: no sampling needed.

const DOC = path.join(REPO_ROOT, "docs/dicom-coverage.md");
const WRITE_VARIABLE = "MAMMOFLOW_WRITE_DICOM_COVERAGE";

/** Refusals of files that some reference decodes, and why we refuse them anyway. */
const REFUSED_THOUGH_DECODED: Record<string, { code: string; why: string }> = {
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
};

/** Decodes that differ from every reference, and why. */
const KNOWN_DIVERGENT: Record<string, string> = {
  "pydicom:test_files/SC_jpeg_no_color_transform.dcm":
    "RGB baseline JPEG marked 'no colour transform' (Adobe APP14): libjpeg-turbo converts it as YCbCr; the conversions refuse RGB, so nothing is written for it",
};

interface Collection {
  name: string;
  root: string;
  /** The root as the document names it: inside its package, not on this machine. */
  shown: string;
}

const RESULTS = ["decoded, exact", "refused", "no pixel data", "decoded, differs"] as const;

interface Row {
  file: string;
  syntax: string;
  result: (typeof RESULTS)[number];
  detail: string;
  problem?: string;
}

function dicomFilesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".dcm"))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** The transfer syntax's name, as pydicom reads it from the meta header. */
function syntaxName(reference: ReferenceResult): string {
  if (!reference.syntax) return "(no meta header)";
  return transferSyntaxOf(reference.syntax)?.name ?? reference.syntax;
}

/** One table row: what we did with the file, and what is wrong about it if anything. */
function rowOf(file: string, syntax: string, comparison: Comparison): Row {
  if (!comparison.decoded) {
    const detail = `${comparison.code}: ${comparison.message}`;
    const decodedBy = comparison.referencesDecoding;
    if (decodedBy.length === 0) {
      // An object without an image (a report, a plan, a palette) is no coverage gap.
      const result = comparison.code === "missing-pixel-data" ? "no pixel data" : "refused";
      const stale = REFUSED_THOUGH_DECODED[file]
        ? "no reference decodes it: drop it from REFUSED_THOUGH_DECODED"
        : undefined;
      return { file, syntax, result, detail: `${detail} (no reference decodes it)`, ...(stale && { problem: stale }) };
    }
    const known = REFUSED_THOUGH_DECODED[file];
    if (known?.code === comparison.code)
      return { file, syntax, result: "refused", detail: `${comparison.code}: ${known.why}` };
    return { file, syntax, result: "refused", detail, problem: `refused, but ${decodedBy} decode it` };
  }
  if (REFUSED_THOUGH_DECODED[file]) {
    return {
      file,
      syntax,
      result: "decoded, exact",
      detail: "",
      problem: "decodes now: update REFUSED_THOUGH_DECODED",
    };
  }
  const divergence = KNOWN_DIVERGENT[file];
  if (divergence !== undefined) {
    return comparison.differing.length > 0 && comparison.equal.length === 0
      ? { file, syntax, result: "decoded, differs", detail: divergence }
      : { file, syntax, result: "decoded, exact", detail: "", problem: "no longer differs: update KNOWN_DIVERGENT" };
  }
  if (comparison.differing.length > 0) {
    return { file, syntax, result: "decoded, differs", detail: "", problem: `differs from ${comparison.differing}` };
  }
  if (comparison.equal.length === 0) {
    return { file, syntax, result: "decoded, exact", detail: "", problem: "no reference decodes it to compare" };
  }
  return { file, syntax, result: "decoded, exact", detail: `equal to ${comparison.equal.join(", ")}` };
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** A Markdown table with its columns padded to one width, as the formatter (biome) writes it. */
function markdownTable(header: string[], body: string[][]): string[] {
  const cells = [header, ...body].map((row) => row.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => (row[i] as string).length)));
  const line = (row: string[]) => `| ${row.map((text, i) => text.padEnd(widths[i] as number)).join(" | ")} |`;
  const [head, ...rest] = cells as [string[], ...string[][]];
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rest.map(line)];
}

/** docs/dicom-coverage.md: the outcome per transfer syntax, then per file. */
function coverageDocument(rows: Row[], collections: Collection[]): string {
  const results = RESULTS;
  const bySyntax = new Map<string, Record<string, number>>();
  for (const row of rows) {
    const counts = bySyntax.get(row.syntax) ?? Object.fromEntries(results.map((r) => [r, 0]));
    counts[row.result] = (counts[row.result] ?? 0) + 1;
    bySyntax.set(row.syntax, counts);
  }
  const summary = [...bySyntax.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([syntax, counts]) => [syntax, ...results.map((r) => String(counts[r]))]);
  return [
    "# DICOM coverage on public test collections",
    "",
    "Generated by `tests/parity/dicom-public-collections.test.ts` (which fails when this file is out of",
    `date; \`${WRITE_VARIABLE}=1 npx vitest run tests/parity/dicom-public-collections.test.ts\` rewrites it).`,
    "Every DICOM file that the installed packages ship is decoded by `readDicom` (first frame of a",
    "multi-frame file) with the native decoders built, and by pydicom 3 with each of its decoders",
    "(GDCM, pylibjpeg, pyjpegls, its own; GDCM directly for 12-bit JPEG Extended, which pydicom's GDCM",
    "plugin refuses). A decoded file must equal every reference that decodes it, stored values and",
    "dtype (lossy JPEG: GDCM only, pylibjpeg's IDCT rounds otherwise); a refused one is refused with",
    "a reason, and where a reference decodes it, the reason is written in the test.",
    "",
    `Collections: ${collections.map((c) => `${c.name} (\`${c.shown}\`)`).join(", ")}.`,
    "",
    ...markdownTable(["transfer syntax", ...results], summary),
    "",
    ...markdownTable(
      ["file", "transfer syntax", "result", "detail"],
      rows.map((r) => [r.file, r.syntax, r.result, r.detail]),
    ),
    "",
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
    ];
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
      rows.push(rowOf(label, syntaxName(reference), await compareWithReferences(reference)));
    }
  }, 120_000);

  it("each file is decoded equal to the references or refused for a known reason", () => {
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.filter((r) => r.problem).map((r) => `${r.file}: ${r.problem} (${r.detail})`)).toEqual([]);
    expect(rows.filter((r) => r.result === "decoded, exact").length).toBeGreaterThanOrEqual(75);
  });

  it("docs/dicom-coverage.md is the table of this run", () => {
    const document = coverageDocument(rows, collections);
    // The syntax × outcome table, printed for the run's log.
    console.log(document.split("\n\n")[3]);
    if (process.env[WRITE_VARIABLE] === "1") writeFileSync(DOC, document);
    expect(
      readFileSync(DOC, "utf8"),
      `out of date: ${WRITE_VARIABLE}=1 npx vitest run ${path.relative(REPO_ROOT, __filename)}`,
    ).toBe(document);
  });
});
