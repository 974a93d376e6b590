/**
 * Values as pandas holds and writes them. The seed reads label files with pandas and writes
 * `cleaned_label.csv` with `to_csv`, so a column's text depends on the dtype pandas inferred:
 * an integer column with one missing value becomes float64 and is written "63.0". These
 * functions reproduce that so the CSVs match the seed's bytes, not only its values.
 */

/** One cell; `null` is a missing value (NaN / None). */
export type Cell = string | number | boolean | null;

/** pandas' default `na_values` for read_csv. */
const NA_TEXTS = new Set([
  "",
  "#N/A",
  "#N/A N/A",
  "#NA",
  "-1.#IND",
  "-1.#QNAN",
  "-NaN",
  "-nan",
  "1.#IND",
  "1.#QNAN",
  "<NA>",
  "N/A",
  "NA",
  "NULL",
  "NaN",
  "None",
  "n/a",
  "nan",
  "null",
]);

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TRUE_TEXTS = new Set(["True", "TRUE", "true"]);
const FALSE_TEXTS = new Set(["False", "FALSE", "false"]);

export function isMissing(cell: Cell): cell is null {
  return cell === null;
}

/** A column's cells and whether pandas holds it as float64 even where the values are integers. */
export interface Column {
  cells: Cell[];
  float: boolean;
}

/**
 * read_csv's view of one column: numbers when every present value is numeric (float64 when one
 * is written with a point or exponent, or one is missing), booleans when every value is a
 * boolean word and none is missing, otherwise the texts as read.
 */
export function inferCsvColumn(texts: readonly string[]): Column {
  const present = texts.filter((t) => !NA_TEXTS.has(t));
  if (present.length > 0 && present.every((t) => NUMBER.test(t))) {
    const float = present.length < texts.length || present.some((t) => /[.eE]/.test(t));
    return { cells: texts.map((t) => (NA_TEXTS.has(t) ? null : Number(t))), float };
  }
  const booleans = present.length === texts.length && texts.every((t) => TRUE_TEXTS.has(t) || FALSE_TEXTS.has(t));
  if (booleans && texts.length > 0) return { cells: texts.map((t) => TRUE_TEXTS.has(t)), float: false };
  return { cells: texts.map((t) => (NA_TEXTS.has(t) ? null : t)), float: false };
}

/** Python's `repr(float)`: shortest round-trip digits, ".0" on integers, exponent outside [1e-4, 1e16). */
export function pythonFloatText(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e16)) {
    return value.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  return Number.isInteger(value) ? `${value.toFixed(0)}.0` : String(value);
}

function pythonText(cell: Exclude<Cell, null>): string {
  if (typeof cell === "boolean") return cell ? "True" : "False";
  if (typeof cell === "number") return Number.isInteger(cell) ? cell.toFixed(0) : pythonFloatText(cell);
  return cell;
}

/**
 * The texts `to_csv` writes for a column: int64 when every value is an integer and none is
 * missing, float64 when the numbers have a fraction or a gap (or `float64` says the column was
 * read as floats), otherwise object (Python `str`).
 */
export function formatColumn(cells: readonly Cell[], float64 = false): string[] {
  const present = cells.filter((c): c is Exclude<Cell, null> => c !== null);
  const numeric = present.length > 0 && present.every((c) => typeof c === "number");
  if (numeric) {
    const float = float64 || present.length < cells.length || present.some((c) => !Number.isInteger(c));
    return cells.map((c) => (c === null ? "" : float ? pythonFloatText(c as number) : pythonText(c)));
  }
  return cells.map((c) => (c === null ? "" : pythonText(c)));
}

/** A typed table: named columns of cells, one array per column (pandas' layout). */
export class Frame {
  constructor(
    readonly columns: Map<string, Cell[]>,
    readonly length: number,
    /** Columns held as float64 whatever their values (read_csv saw "61.0"). */
    readonly floatColumns: ReadonlySet<string> = new Set(),
  ) {}

  static fromRows(names: readonly string[], rows: readonly (readonly Cell[])[]): Frame {
    const columns = new Map<string, Cell[]>();
    for (const [i, name] of names.entries())
      columns.set(
        name,
        rows.map((r) => r[i] ?? null),
      );
    return new Frame(columns, rows.length);
  }

  has(name: string): boolean {
    return this.columns.has(name);
  }

  column(name: string): Cell[] {
    const column = this.columns.get(name);
    if (!column) throw new Error(`no column '${name}' (columns: ${[...this.columns.keys()].join(", ")})`);
    return column;
  }

  /** The texts `to_csv` writes for the column. */
  texts(name: string): string[] {
    return formatColumn(this.column(name), this.floatColumns.has(name));
  }

  cell(name: string, row: number): Cell {
    return this.column(name)[row] ?? null;
  }

  /** Rows `indices` of this frame, in that order. */
  take(indices: readonly number[]): Frame {
    const columns = new Map<string, Cell[]>();
    for (const [name, cells] of this.columns)
      columns.set(
        name,
        indices.map((i) => cells[i] ?? null),
      );
    return new Frame(columns, indices.length);
  }
}

/** Python's `str()` of a present cell (the seed builds ids with `str(x)` and `+`). */
export function cellText(cell: Cell): string {
  return cell === null ? "nan" : pythonText(cell);
}
