import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { columnIndex, parseCsv } from "../csv.ts";
import { compareCodePoints } from "../order.ts";
import { type Cell, Frame, inferCsvColumn } from "../pandas-values.ts";
import {
  type DatasetInput,
  type DatasetPlan,
  type DatasetProblem,
  type ImageFacts,
  imageKey,
  type LabelTable,
} from "../types.ts";

/** A label CSV as pandas.read_csv types it. */
export async function readCsvFrame(file: string): Promise<Frame> {
  const table = parseCsv(await readFile(file, "utf8"), file);
  const columns = new Map<string, Cell[]>();
  const floats = new Set<string>();
  for (const [i, name] of table.columns.entries()) {
    const column = inferCsvColumn(table.rows.map((row) => row[i] as string));
    columns.set(name, column.cells);
    if (column.float) floats.add(name);
  }
  return new Frame(columns, table.rows.length, floats);
}

/** The label CSV's texts, untouched (checked-in CSVs are copied row for row). */
export async function readCsvTexts(file: string): Promise<{ columns: string[]; rows: string[][] }> {
  return parseCsv(await readFile(file, "utf8"), file);
}

export { columnIndex };

/** The texts `to_csv` writes for each named column of `frame`. */
export function columnTexts(frame: Frame, names: readonly string[]): string[][] {
  return names.map((name) => frame.texts(name));
}

/** Row `i` of column-major texts. */
export function rowAt(columns: readonly string[][], i: number): string[] {
  return columns.map((column) => column[i] as string);
}

/**
 * Directory entries in code-point order. The seed iterates `os.listdir`, whose order is the
 * file system's; where that order reaches a CSV we define it as sorted (see README).
 */
export async function listSorted(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  return names.sort(compareCodePoints);
}

export async function listOrUndefined(dir: string): Promise<string[] | undefined> {
  try {
    return await listSorted(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ENOTDIR")
      return undefined;
    throw error;
  }
}

/** Files two levels below `root` (`root/<a>/<b>`), with a name filter, for the unlabelled-image scan. */
export async function filesTwoDeep(root: string, keep: (name: string) => boolean): Promise<string[]> {
  const files: string[] = [];
  for (const first of (await listOrUndefined(root)) ?? []) {
    const names = await listOrUndefined(path.join(root, first));
    for (const name of names ?? []) if (keep(name)) files.push(path.join(root, first, name));
  }
  return files;
}

/** Planned files no label names (compared as absolute paths). */
export function notPlanned(plan: DatasetPlan, files: readonly string[]): string[] {
  const planned = new Set(plan.images.map((image) => path.resolve(image.file)));
  return files.filter((file) => !planned.has(path.resolve(file)));
}

/**
 * The table of a dataset whose rows are fixed by its labels: the planned rows, in planned
 * order, of the images that were cropped.
 */
export async function plannedTable(
  _input: DatasetInput,
  plan: DatasetPlan,
  facts: ReadonlyMap<string, ImageFacts>,
): Promise<LabelTable> {
  const rows: string[][] = [];
  for (const image of plan.images) {
    if (!facts.has(imageKey(image))) continue;
    if (!image.row) throw new Error(`${plan.dataset}: planned image ${imageKey(image)} has no label row`);
    rows.push([...image.row]);
  }
  return { columns: plan.columns, rows, problems: [] };
}

export function labelItem(dataset: string, patientId: string, imageId: string): string {
  return `${dataset}:${patientId}@${imageId}`;
}

export function problem(kind: DatasetProblem["kind"], item: string, message: string): DatasetProblem {
  return { kind, item, message };
}

/** `str(cell)` that refuses a missing value where the seed would build a "nan" id. */
export function requiredText(cell: Cell): string | undefined {
  if (cell === null) return undefined;
  if (typeof cell === "number") return Number.isInteger(cell) ? cell.toFixed(0) : String(cell);
  if (typeof cell === "boolean") return cell ? "True" : "False";
  return cell;
}
