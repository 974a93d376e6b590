/** A parsed CSV: header names and rows of strings keyed by them. */
export interface CsvTable {
  columns: string[];
  rows: Record<string, string>[];
}

/** A CSV that cannot be read: names the file and the line. */
export class CsvError extends Error {
  override readonly name = "CsvError";
}

/** Splits RFC 4180 text (quoted fields, doubled quotes, CRLF or LF) into records. */
function records(text: string, file: string): string[][] {
  const out: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === "\n") line++;
        field += c;
      }
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(field);
      out.push(record);
      record = [];
      field = "";
      line++;
    } else field += c;
  }
  if (quoted) throw new CsvError(`${file}: unterminated quoted field at line ${line}`);
  if (field !== "" || record.length > 0) {
    record.push(field);
    out.push(record);
  }
  return out.filter((r) => !(r.length === 1 && r[0] === ""));
}

export function parseCsv(text: string, file: string): CsvTable {
  const [header, ...body] = records(text.replace(/^\uFEFF/, ""), file);
  if (!header) throw new CsvError(`${file}: empty file (no header line)`);
  const columns = header.map((c) => c.trim());
  const rows = body.map((values, i) => {
    if (values.length !== columns.length) {
      throw new CsvError(`${file}: line ${i + 2} has ${values.length} fields, the header has ${columns.length}`);
    }
    return Object.fromEntries(columns.map((c, j) => [c, values[j] as string]));
  });
  return { columns, rows };
}

export function requireColumns(table: CsvTable, file: string, required: readonly string[]): void {
  const missing = required.filter((c) => !table.columns.includes(c));
  if (missing.length > 0) {
    throw new CsvError(`${file}: missing column(s) ${missing.join(", ")} (has ${table.columns.join(", ")})`);
  }
}

function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** CSV text with a header line and LF line ends. */
export function formatCsv(columns: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const lines = [columns.map(quote).join(",")];
  for (const row of rows) lines.push(row.map((v) => quote(String(v))).join(","));
  return `${lines.join("\n")}\n`;
}
