import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Cell } from "../../../jobs/ts/dataset/pandas-values.ts";
import { readSheet } from "../../../jobs/ts/dataset/xlsx.ts";
import { type WorkbookCell, writeWorkbook } from "./support/raw-files.ts";

const PYTHON = path.resolve(import.meta.dirname, "../../../.venv/bin/python");
const READ_EXCEL = path.resolve(import.meta.dirname, "support/read_excel.py");

type PandasCell = string | number | boolean | null | { timestamp: string };

type Sheet = { columns: string[]; rows: Cell[][] };

/** `pandas.read_excel(file, sheet, dtype=object)` for the first sheet and each named one: the seed's reader, through openpyxl. */
function pandasSheets(file: string): { first: Sheet; sheets: Record<string, Sheet> } {
  const run = spawnSync(PYTHON, [READ_EXCEL, file], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`read_excel.py failed: ${run.stderr}`);
  type Frame = { columns: string[]; rows: PandasCell[][] };
  const read = JSON.parse(run.stdout) as { first: Frame; sheets: Record<string, Frame> };
  const cell = (c: PandasCell): Cell => (c !== null && typeof c === "object" ? c.timestamp : c);
  const sheet = (frame: Frame): Sheet => ({ columns: frame.columns, rows: frame.rows.map((row) => row.map(cell)) });
  return {
    first: sheet(read.first),
    sheets: Object.fromEntries(Object.entries(read.sheets).map(([n, f]) => [n, sheet(f)])),
  };
}

async function ourSheet(file: string, sheet?: string): Promise<Sheet> {
  const frame = await readSheet(file, sheet);
  const columns = [...frame.columns.keys()];
  const rows = Array.from({ length: frame.length }, (_, i) => columns.map((name) => frame.cell(name, i)));
  return { columns, rows };
}

const SHEETS: Record<string, WorkbookCell[][]> = {
  // Every kind of cell the label sheets hold, and the header rules: an empty header cell, a repeat.
  kinds: [
    ["id", null, "name", "id", "when", "flag", "calc", "rich", "label", "err", "id"],
    [
      1,
      7,
      " padded ",
      2.5,
      { date: "2021-03-04T05:06:07" },
      true,
      { formula: "=A2*2", cached: 2 },
      { rich: ["bo", "ld"] },
      { formula: '="a"&"b"', cached: "ab" },
      { error: "=1/0", cached: "#DIV/0!" },
      -3,
    ],
    [],
    [3, null, "x", null, { date: "2020-01-02T00:00:00" }, false, null, null, "Malignant", null, 0.1],
    [{ formula: "=A4>2", cached: true }, null, "", null, { date: "1999-12-31T23:59:59.250000" }],
    [],
    [],
  ],
  // Data right of the last header cell: pandas names the columns "Unnamed: i".
  wide: [
    ["a", "b"],
    [1, 2, null, 4],
    [null, null, "c"],
  ],
  // The first column empty throughout, and a header only.
  gap: [
    [null, "x"],
    [null, 1],
  ],
  header: [["only", "header"]],
};

describe("readSheet reads a sheet as pandas.read_excel does", () => {
  let dir: string;
  let file: string;
  let pandas: ReturnType<typeof pandasSheets>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "xlsx-"));
    file = path.join(dir, "book.xlsx");
    await writeWorkbook(file, SHEETS);
    pandas = pandasSheets(file);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("the first sheet when none is named", async () => {
    expect(await ourSheet(file)).toEqual(pandas.first);
  });

  it.each(Object.keys(SHEETS))("sheet %s", async (name) => {
    expect(Object.keys(pandas.sheets)).toContain(name);
    expect(await ourSheet(file, name)).toEqual(pandas.sheets[name]);
  });

  it("keeps each cell's type: numbers, text as written, booleans, Timestamps, saved formula results", async () => {
    const { columns, rows } = await ourSheet(file, "kinds");
    expect(columns).toEqual([
      "id",
      "Unnamed: 1",
      "name",
      "id.1",
      "when",
      "flag",
      "calc",
      "rich",
      "label",
      "err",
      "id.2",
    ]);
    expect(rows).toEqual([
      [1, 7, " padded ", 2.5, "2021-03-04 05:06:07", true, 2, "bold", "ab", null, -3],
      [null, null, null, null, null, null, null, null, null, null, null],
      [3, null, "x", null, "2020-01-02 00:00:00", false, null, null, "Malignant", null, 0.1],
      [true, null, null, null, "1999-12-31 23:59:59.250000", null, null, null, null, null, null],
    ]);
  });

  it("names the file and its sheets when the sheet is missing", async () => {
    await expect(readSheet(file, "all")).rejects.toThrow(`${file}: no sheet 'all' (sheets: kinds, wide, gap, header)`);
  });
});
