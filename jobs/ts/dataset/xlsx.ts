import ExcelJS from "exceljs";
import { type Cell, Frame } from "./pandas-values.ts";

/** Python's `str()` of a datetime the way pandas shows a Timestamp read from a sheet. */
function timestampText(date: Date): string {
  return date
    .toISOString()
    .replace("T", " ")
    .replace(/\.000Z$/, "")
    .replace("Z", "");
}

/** An exceljs cell value as the typed cell pandas (openpyxl) would hold. */
function toCell(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "string") return value;
  if (value instanceof Date) return timestampText(value);
  if ("richText" in value) return value.richText.map((part) => part.text).join("");
  if ("error" in value) return null;
  if ("result" in value) return toCell((value.result ?? null) as ExcelJS.CellValue);
  if ("text" in value) return String(value.text);
  return null;
}

/** pandas' names for header cells: "Unnamed: i" for empty ones, ".1", ".2" for repeats. */
function headerNames(cells: readonly Cell[]): string[] {
  const seen = new Map<string, number>();
  return cells.map((cell, i) => {
    const base = cell === null ? `Unnamed: ${i}` : typeof cell === "string" ? cell : String(cell);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}.${count}`;
  });
}

/**
 * Reads one sheet (by name, or the first) as `pandas.read_excel` sees it: the first row names
 * the columns, cells keep their type (numbers, text, booleans), empty cells are missing, and
 * trailing empty rows are dropped.
 */
export async function readSheet(file: string, sheet?: string): Promise<Frame> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(file);
  const worksheet = sheet === undefined ? workbook.worksheets[0] : workbook.getWorksheet(sheet);
  if (!worksheet) {
    const names = workbook.worksheets.map((w) => w.name).join(", ");
    throw new Error(`${file}: no sheet ${sheet === undefined ? "at all" : `'${sheet}'`} (sheets: ${names})`);
  }
  const grid: Cell[][] = [];
  worksheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    const values = row.values as ExcelJS.CellValue[];
    const cells: Cell[] = [];
    for (let c = 1; c < values.length; c++) cells.push(toCell(values[c] ?? null));
    grid[rowNumber - 1] = cells;
  });
  const [header = [], ...body] = Array.from(grid, (row) => row ?? []);
  while (header.length > 0 && header[header.length - 1] === null) header.pop();
  while (body.length > 0 && (body[body.length - 1] as Cell[]).every((c) => c === null)) body.pop();
  const names = headerNames(header);
  return Frame.fromRows(
    names,
    body.map((row) => names.map((_, i) => row[i] ?? null)),
  );
}
