import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
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

/** The cache key of generated fixtures: the scripts that write them (the first is the one run). */
async function generatorHash(scripts: string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const script of scripts) hash.update(await readFile(script));
  return hash.digest("hex").slice(0, 16);
}

async function readManifest<M extends { generator: string }>(dir: string): Promise<M | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as M;
  } catch {
    return undefined;
  }
}

/**
 * The synthetic studies of tests/fixtures/dicom/generate_studies.py (every variant in every
 * transfer syntax), generated once per generator version into GENERATED_DIR.
 */
export function generatedStudies(
  dir = path.join(GENERATED_DIR, "full"),
  args: string[] = [],
): Promise<Manifest & { dir: string }> {
  return generatedOnce<Manifest>(dir, [GENERATOR, path.join(REPO_ROOT, "tests/fixtures/dicom/encode-htj2k.mjs")], args);
}

/**
 * Runs `scripts[0] DIR --tag HASH ...args` once per version of the scripts (HASH: their contents)
 * and returns the manifest.json it writes into DIR, which records the tag as "generator". Test
 * files run in parallel processes: one generates (holding a lock folder) into a temporary folder
 * and renames it into place, the others wait for it.
 */
export async function generatedOnce<M extends { generator: string }>(
  dir: string,
  scripts: string[],
  args: string[],
): Promise<M & { dir: string }> {
  const hash = await generatorHash(scripts);
  const lock = `${dir}.lock`;
  await mkdir(path.dirname(dir), { recursive: true });
  for (const started = Date.now(); ; ) {
    const current = await readManifest<M>(dir);
    if (current?.generator === hash) return { ...current, dir };
    try {
      await mkdir(lock);
    } catch {
      // Another process is generating; a lock older than 15 minutes is left over from a killed run.
      if (Date.now() - started > 15 * 60_000) await rm(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    try {
      const again = await readManifest<M>(dir);
      if (again?.generator === hash) return { ...again, dir };
      const temporary = `${dir}.tmp-${process.pid}`;
      await rm(temporary, { recursive: true, force: true });
      await execFileAsync(PYTHON, [scripts[0] as string, temporary, "--tag", hash, ...args], { maxBuffer: 1 << 24 });
      await rm(dir, { recursive: true, force: true });
      await rename(temporary, dir);
      return { ...((await readManifest<M>(dir)) as M), dir };
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }
}

/** The benchmarks' studies: 3000×2400 mammograms, 12- and 14-bit, in every syntax of the generator. */
export function benchmarkStudies(): Promise<Manifest & { dir: string }> {
  return generatedStudies(path.join(GENERATED_DIR, "bench"), [
    "--set",
    "bench",
    "--size",
    "3000x2400",
    "--variants",
    "mg12-m2-linear,mg14-m2-linear-exact",
  ]);
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

/** Where the installed pydicom keeps its data files (test_files, charset_files, palettes, ...). */
export async function pydicomDataDir(): Promise<string> {
  const { stdout } = await execFileAsync(PYTHON, [
    "-c",
    "import pathlib, pydicom; print(pathlib.Path(pydicom.__file__).parent / 'data')",
  ]);
  return stdout.trim();
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
