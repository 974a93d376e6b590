import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { transferSyntaxOf } from "../../../jobs/ts/dicom/index.ts";
import type { Comparison, ReferenceResult } from "./dicom-compare.ts";
import { REPO_ROOT } from "./dicom-fixtures.ts";

// The syntax × outcome table of the DICOM parity suites and docs/dicom-coverage.md, where each
// suite owns one section between markers, so each test checks (and rewrites) only its own part.

export const COVERAGE_DOC = path.join(REPO_ROOT, "docs/dicom-coverage.md");
export const WRITE_VARIABLE = "MAMMOFLOW_WRITE_DICOM_COVERAGE";

export const RESULTS = ["decoded, exact", "refused", "no pixel data", "decoded, differs"] as const;

export interface Row {
  file: string;
  syntax: string;
  result: (typeof RESULTS)[number];
  detail: string;
  problem?: string;
}

/**
 * What a suite knows in advance: files refused though a reference decodes them, decodes that
 * differ, and decodes no reference can be compared with (each checked another way by its test).
 */
export interface KnownOutcomes {
  refusedThoughDecoded: Record<string, { code: string; why: string }>;
  divergent: Record<string, string>;
  withoutReference?: Record<string, string>;
}

/** The transfer syntax's name, as pydicom reads it from the meta header. */
export function syntaxName(reference: ReferenceResult): string {
  if (!reference.syntax) return "(no meta header)";
  return transferSyntaxOf(reference.syntax)?.name ?? reference.syntax;
}

/** One table row: what we did with the file, and what is wrong about it if anything. */
export function rowOf(file: string, syntax: string, comparison: Comparison, known: KnownOutcomes): Row {
  if (!comparison.decoded) {
    const detail = `${comparison.code}: ${comparison.message}`;
    const decodedBy = comparison.referencesDecoding;
    if (decodedBy.length === 0) {
      // An object without an image (a report, a plan, a palette) is no coverage gap.
      const result = comparison.code === "missing-pixel-data" ? "no pixel data" : "refused";
      const stale = known.refusedThoughDecoded[file]
        ? "no reference decodes it: drop it from the refused-though-decoded list"
        : undefined;
      return { file, syntax, result, detail: `${detail} (no reference decodes it)`, ...(stale && { problem: stale }) };
    }
    const expected = known.refusedThoughDecoded[file];
    if (expected?.code === comparison.code)
      return { file, syntax, result: "refused", detail: `${comparison.code}: ${expected.why}` };
    return { file, syntax, result: "refused", detail, problem: `refused, but ${decodedBy} decode it` };
  }
  if (known.refusedThoughDecoded[file]) {
    return {
      file,
      syntax,
      result: "decoded, exact",
      detail: "",
      problem: "decodes now: update the refused-though-decoded list",
    };
  }
  const divergence = known.divergent[file];
  if (divergence !== undefined) {
    return comparison.differing.length > 0 && comparison.equal.length === 0
      ? { file, syntax, result: "decoded, differs", detail: divergence }
      : { file, syntax, result: "decoded, exact", detail: "", problem: "no longer differs: update the divergent list" };
  }
  if (comparison.differing.length > 0) {
    return { file, syntax, result: "decoded, differs", detail: "", problem: `differs from ${comparison.differing}` };
  }
  if (comparison.equal.length === 0) {
    const checked = known.withoutReference?.[file];
    if (checked !== undefined) return { file, syntax, result: "decoded, exact", detail: checked };
    return { file, syntax, result: "decoded, exact", detail: "", problem: "no reference decodes it to compare" };
  }
  return { file, syntax, result: "decoded, exact", detail: `equal to ${comparison.equal.join(", ")}` };
}

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** A Markdown table with its columns padded to one width, as the formatter (biome) writes it. */
export function markdownTable(header: string[], body: string[][]): string[] {
  const cells = [header, ...body].map((row) => row.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => (row[i] as string).length)));
  const line = (row: string[]) => `| ${row.map((text, i) => text.padEnd(widths[i] as number)).join(" | ")} |`;
  const [head, ...rest] = cells as [string[], ...string[][]];
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rest.map(line)];
}

/** The outcome counts per transfer syntax. */
export function syntaxOutcomeTable(rows: Row[]): string[] {
  const bySyntax = new Map<string, Record<string, number>>();
  for (const row of rows) {
    const counts = bySyntax.get(row.syntax) ?? Object.fromEntries(RESULTS.map((r) => [r, 0]));
    counts[row.result] = (counts[row.result] ?? 0) + 1;
    bySyntax.set(row.syntax, counts);
  }
  const summary = [...bySyntax.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([syntax, counts]) => [syntax, ...RESULTS.map((r) => String(counts[r]))]);
  return markdownTable(["transfer syntax", ...RESULTS], summary);
}

/** The per-file table. */
export function fileTable(rows: Row[]): string[] {
  return markdownTable(
    ["file", "transfer syntax", "result", "detail"],
    rows.map((r) => [r.file, r.syntax, r.result, r.detail]),
  );
}

const begin = (name: string) => `<!-- generated: ${name} -->`;
const end = (name: string) => `<!-- end of generated: ${name} -->`;

/**
 * Checks that docs/dicom-coverage.md holds `body` as the section `name` (a test file's path);
 * with MAMMOFLOW_WRITE_DICOM_COVERAGE=1 it first rewrites that section.
 */
export function expectCoverageSection(name: string, body: string): void {
  const document = readFileSync(COVERAGE_DOC, "utf8");
  const from = document.indexOf(begin(name));
  const to = document.indexOf(end(name));
  if (from < 0 || to < from) throw new Error(`${COVERAGE_DOC} has no section "${begin(name)}" ... "${end(name)}"`);
  const current = document.slice(from + begin(name).length, to);
  const wanted = `\n${body.trim()}\n`;
  if (process.env[WRITE_VARIABLE] === "1" && current !== wanted) {
    writeFileSync(COVERAGE_DOC, document.slice(0, from + begin(name).length) + wanted + document.slice(to));
    return;
  }
  expect(current, `out of date: ${WRITE_VARIABLE}=1 npx vitest run ${name}`).toBe(wanted);
}
