import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/** Files a folder contributes: DICOM-looking names (.dcm, .dicom, or no extension), not hidden. */
export function looksLikeDicomName(name: string): boolean {
  if (name.startsWith(".")) return false;
  const ext = path.extname(name).toLowerCase();
  return ext === "" || ext === ".dcm" || ext === ".dicom";
}

export class InputError extends Error {}

/**
 * Expands the command's inputs: a file is taken as given, a folder recursively (sorted, so the
 * order and the output names are reproducible). A missing input is a usage error.
 */
export async function listInputs(inputs: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(input);
    } catch {
      throw new InputError(`input ${input} does not exist`);
    }
    if (info.isDirectory()) files.push(...(await walk(input)));
    else files.push(input);
  }
  return files;
}

async function walk(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith(".")) files.push(...(await walk(full)));
    else if (entry.isFile() && looksLikeDicomName(entry.name)) files.push(full);
  }
  return files;
}

/** `DIR/<file stem>.png`; the stem drops one extension (`a.dcm` → `a`, `1.2.3` stays `1.2`). */
export function outputName(file: string): string {
  const base = path.basename(file);
  const ext = path.extname(base);
  return `${ext.toLowerCase() === ".dcm" || ext.toLowerCase() === ".dicom" ? base.slice(0, -ext.length) : base}.png`;
}

/**
 * Pairs each input with its output name; a later input whose name is already taken gets an
 * error instead of overwriting the earlier one's PNG.
 */
export function planOutputs(files: string[]): { file: string; output: string; conflict?: string }[] {
  const owner = new Map<string, string>();
  return files.map((file) => {
    const output = outputName(file);
    const first = owner.get(output);
    if (first !== undefined) return { file, output, conflict: `output ${output} is already written for ${first}` };
    owner.set(output, file);
    return { file, output };
  });
}
