import readXlsxFile, { readSheet as readSheetData, type SheetData, SheetNotFoundError } from "read-excel-file/node";
import { type Cell, cellText, Frame } from "./pandas-values.ts";

/**
 * Python's `str()` of the pandas Timestamp that openpyxl's datetime becomes. read-excel-file
 * floors the serial's milliseconds where openpyxl rounds them, so a time stored as a whole
 * second can come back 1 ms early: ".999" is taken as the next second.
 */
function timestampText(date: Date): string {
  const time = date.getTime();
  const text = new Date(((time % 1000) + 1000) % 1000 === 999 ? time + 1 : time)
    .toISOString()
    .replace("T", " ")
    .replace("Z", "");
  return text.endsWith(".000") ? text.slice(0, -4) : `${text}000`;
}

/** A read-excel-file cell as the typed cell pandas (openpyxl) would hold. */
function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "string") return value;
  if (value instanceof Date) return timestampText(value);
  throw new Error(`unexpected cell value ${String(value)}`);
}

/** pandas' names for header cells: "Unnamed: i" for empty ones, ".1", ".2" for repeats. */
function headerNames(cells: readonly Cell[]): string[] {
  const seen = new Map<string, number>();
  return cells.map((cell, i) => {
    const base = cell === null ? `Unnamed: ${i}` : cellText(cell);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}.${count}`;
  });
}

/** The sheet's rows, or an error naming the file and the sheets it has. */
async function sheetRows(file: string, sheet?: string): Promise<SheetData> {
  try {
    // trim: false keeps text as openpyxl does; without it read-excel-file strips spaces.
    return await readSheetData(file, sheet ?? 1, { trim: false });
  } catch (error) {
    if (!(error instanceof SheetNotFoundError)) throw new Error(`${file}: ${(error as Error).message}`);
    const names = (await readXlsxFile(file)).map((s) => s.sheet).join(", ");
    throw new Error(`${file}: no sheet ${sheet === undefined ? "at all" : `'${sheet}'`} (sheets: ${names})`);
  }
}

/**
 * Reads one sheet (by name, or the first) as `pandas.read_excel` sees it: the first row names
 * the columns, cells keep their type (numbers, text, booleans, dates as Timestamp text, a
 * formula's saved result), empty and error cells are missing (read-excel-file reports an error
 * cell as empty, so unlike pandas a trailing row holding only errors is dropped), trailing empty rows are dropped,
 * and the columns reach as far right as any row's last cell (pandas pads the others).
 */
export async function readSheet(file: string, sheet?: string): Promise<Frame> {
  const grid = (await sheetRows(file, sheet)).map((row) => row.map(toCell));
  const lengths = grid.map((row) => row.findLastIndex((c) => c !== null) + 1);
  const rows = grid.slice(0, lengths.findLastIndex((n) => n > 0) + 1);
  const width = Math.max(0, ...lengths);
  const [header = [], ...body] = rows;
  const names = headerNames(Array.from({ length: width }, (_, i) => header[i] ?? null));
  return Frame.fromRows(
    names,
    body.map((row) => names.map((_, i) => row[i] ?? null)),
  );
}
