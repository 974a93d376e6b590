import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { encode as encodePng } from "fast-png";
import sharp from "sharp";

const PYTHON = path.resolve(import.meta.dirname, "../../../../.venv/bin/python");
const WRITE_DICOMS = path.resolve(import.meta.dirname, "write_dicoms.py");
const WRITE_WORKBOOKS = path.resolve(import.meta.dirname, "write_workbooks.py");

/** A small uncompressed DICOM the test writes with pydicom (see write_dicoms.py). */
export interface DicomSpec {
  path: string;
  rows: number;
  columns: number;
  values: number[];
  bits?: 8 | 12 | 16;
  laterality?: "L" | "R";
  photometric?: "MONOCHROME1" | "MONOCHROME2";
  center?: number;
  width?: number;
  voi?: "LINEAR" | "LINEAR_EXACT" | "SIGMOID";
}

/** Writes all the DICOMs in one Python process (pydicom is independent of the TypeScript decoder). */
export function writeDicoms(specs: readonly DicomSpec[]): void {
  const run = spawnSync(PYTHON, [WRITE_DICOMS], { input: JSON.stringify(specs), encoding: "utf8" });
  if (run.status !== 0) throw new Error(`write_dicoms.py failed: ${run.stderr}`);
}

/** `rows × columns` values rising left to right, top to bottom, from `low` by `step`. */
export function ramp(rows: number, columns: number, low: number, step: number): number[] {
  return Array.from({ length: rows * columns }, (_, i) => low + i * step);
}

export async function writeText(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** An empty file where only the name matters (label rules never open the image). */
export async function touch(file: string): Promise<void> {
  await writeText(file, "");
}

export async function writeGray16Png(file: string, rows: number, columns: number, values: number[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    encodePng({ width: columns, height: rows, data: Uint16Array.from(values), depth: 16, channels: 1 }),
  );
}

export async function writeGray8Jpeg(file: string, rows: number, columns: number, values: number[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await sharp(Uint8Array.from(values), { raw: { width: columns, height: rows, channels: 1 } })
    .jpeg({ quality: 100 })
    .toFile(file);
}

/** A cell of a test workbook; see write_workbooks.py for the object kinds (dates, rich text, formulas). */
export type WorkbookCell =
  | string
  | number
  | boolean
  | null
  | { date: string }
  | { rich: string[] }
  | { formula: string; cached: string | number | boolean }
  | { error: string; cached: string };

/** An xlsx with one sheet per entry, written by XlsxWriter (write_workbooks.py; null = empty cell). */
export async function writeWorkbook(file: string, sheets: Record<string, WorkbookCell[][]>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const spec = [{ path: file, sheets: Object.entries(sheets) }];
  const run = spawnSync(PYTHON, [WRITE_WORKBOOKS], { input: JSON.stringify(spec), encoding: "utf8" });
  if (run.status !== 0) throw new Error(`write_workbooks.py failed: ${run.stderr}`);
}

/** The columns of CDD-CESM's "Radiology manual annotations.xlsx", in the dataset's order. */
export const CDD_CESM_COLUMNS = [
  "Image_name",
  "Patient_ID",
  "Side",
  "Type",
  "Age",
  "Breast density (ACR)",
  "BIRADS",
  "Findings",
  "View",
  "Tags",
  "Machine",
  "Pathology Classification/ Follow up",
];
