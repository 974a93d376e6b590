import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const PYTHON = path.join(REPO_ROOT, ".venv/bin/python");
const GENERATOR = path.join(REPO_ROOT, "tests/fixtures/dicom/generate_studies.py");
/** Git-ignored: the generated studies are rebuilt when the generator changes. */
export const GENERATED_DIR = path.join(REPO_ROOT, "tests/fixtures/dicom/generated");

export interface ManifestEntry {
  file: string;
  variant: string;
  syntax: string;
  encoder: string;
  shape?: string;
  frames?: number;
}

export interface Manifest {
  generator: string;
  size: [number, number];
  files: ManifestEntry[];
  skipped: { variant: string; syntax: string; reason: string }[];
}

async function generatorHash(): Promise<string> {
  const hash = createHash("sha256");
  hash.update(await readFile(GENERATOR));
  hash.update(await readFile(path.join(REPO_ROOT, "tests/fixtures/dicom/encode-htj2k.mjs")));
  return hash.digest("hex").slice(0, 16);
}

/**
 * The synthetic studies of tests/fixtures/dicom/generate_studies.py (every variant in every
 * transfer syntax), generated once per generator version into GENERATED_DIR.
 */
export async function generatedStudies(
  dir = path.join(GENERATED_DIR, "full"),
  args: string[] = [],
): Promise<Manifest & { dir: string }> {
  const hash = await generatorHash();
  const manifestPath = path.join(dir, "manifest.json");
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as Manifest;
    if (manifest.generator === hash) return { ...manifest, dir };
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await execFileAsync(PYTHON, [GENERATOR, dir, "--tag", hash, ...args], { maxBuffer: 1 << 24 });
  return { ...(JSON.parse(await readFile(manifestPath, "utf8")) as Manifest), dir };
}

/** The DICOM test files pydicom's wheel ships (pydicom/data/test_files). */
export async function pydicomTestFiles(): Promise<string[]> {
  const { stdout } = await execFileAsync(PYTHON, [
    "-c",
    "import pathlib, pydicom; print(pathlib.Path(pydicom.__file__).parent / 'data' / 'test_files')",
  ]);
  const dir = stdout.trim();
  return (await readdir(dir))
    .filter((f) => f.endsWith(".dcm"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Runs a reference script of tests/parity/reference with the file list on stdin; one JSON object per line back. */
export async function runReference<T>(script: string, outDir: string, files: string[]): Promise<T[]> {
  await mkdir(outDir, { recursive: true });
  const child = execFileAsync(
    PYTHON,
    ["-W", "ignore", path.join(REPO_ROOT, "tests/parity/reference", script), outDir],
    {
      maxBuffer: 1 << 26,
    },
  );
  child.child.stdin?.end(files.join("\n"));
  const { stdout } = await child;
  return stdout
    .trim()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as T);
}

export function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
