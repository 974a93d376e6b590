/**
 * CSV as pandas reads and writes it: comma separator, '"' quoting with doubled quotes, and on
 * output Python's csv.QUOTE_MINIMAL with "\n" line ends, so a file pandas wrote reads and
 * rewrites byte for byte (the seed's checked-in label CSVs depend on it).
 */

export interface CsvTable {
  columns: string[];
  rows: string[][];
}

/** Parses CSV text; every row must have as many fields as the header. */
export function parseCsv(text: string, source: string): CsvTable {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  let i = 0;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endRecord = () => {
    record.push(field);
    field = "";
    if (!(record.length === 1 && record[0] === "")) records.push(record);
    record = [];
  };
  while (i < body.length) {
    const c = body[i] as string;
    if (quoted) {
      if (c === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i += 1;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n") endRecord();
    else if (c === "\r") {
      if (body[i + 1] !== "\n") endRecord();
    } else field += c;
    i += 1;
  }
  if (quoted) throw new Error(`${source}: unterminated quoted field at the end of the file`);
  if (field !== "" || record.length > 0) endRecord();
  const [columns, ...rows] = records;
  if (!columns) throw new Error(`${source}: empty CSV file (no header)`);
  for (const [index, row] of rows.entries()) {
    if (row.length !== columns.length) {
      throw new Error(`${source}: line ${index + 2} has ${row.length} fields, the header has ${columns.length}`);
    }
  }
  return { columns, rows };
}

function quoteMinimal(field: string): string {
  return /[",\n\r]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/** Formats a table as pandas `to_csv(index=False)` does. */
export function formatCsv(table: CsvTable): string {
  const lines = [table.columns, ...table.rows].map((row) =>
    row.length === 1 && row[0] === "" ? '""' : row.map(quoteMinimal).join(","),
  );
  return `${lines.join("\n")}\n`;
}

/** Index of each named column; a missing column is an error naming the file. */
export function columnIndex(table: CsvTable, source: string, names: readonly string[]): Record<string, number> {
  const index: Record<string, number> = {};
  for (const name of names) {
    const at = table.columns.indexOf(name);
    if (at < 0) throw new Error(`${source}: no column '${name}' (columns: ${table.columns.join(", ")})`);
    index[name] = at;
  }
  return index;
}
