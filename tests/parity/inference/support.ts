import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { prng } from "../../support/prng.ts";
import { PYTHON, REPO_ROOT } from "../support/dicom-fixtures.ts";

const execFileAsync = promisify(execFile);
const HERE = path.join(REPO_ROOT, "tests/parity/inference/python");

/** Sources the generated models depend on: a change to any of them regenerates the models. */
const MODEL_SOURCES = [
  path.join(HERE, "make_models.py"),
  path.join(REPO_ROOT, "jobs/python/src/mammoflow_jobs/models/yolox_nano.py"),
  path.join(REPO_ROOT, "jobs/python/src/mammoflow_jobs/models/convnext.py"),
  path.join(REPO_ROOT, "jobs/python/src/mammoflow_jobs/export/onnx_models.py"),
];

export interface TestModels {
  dir: string;
  detector: string;
  confidentDetector: string;
  ensemble: string;
  detectorSize: number;
  classifierHeight: number;
  classifierWidth: number;
}

/**
 * The small real-architecture ONNX models of make_models.py (YOLOX-nano at 416, convnext_atto ×4
 * at 256×128), generated once per source version into the git-ignored tmp/ folder.
 */
export async function testModels(): Promise<TestModels> {
  const hash = createHash("sha256");
  for (const file of MODEL_SOURCES) hash.update(await readFile(file));
  const dir = path.join(REPO_ROOT, "tmp/inference-models", hash.digest("hex").slice(0, 16));
  if (!existsSync(path.join(dir, "models.json"))) {
    const partial = `${dir}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(partial, { recursive: true });
    await execFileAsync(PYTHON, [path.join(HERE, "make_models.py"), partial], { maxBuffer: 1 << 24 });
    // Another test file may have finished first; its copy is as good as ours.
    await rename(partial, dir).catch(() => rm(partial, { recursive: true, force: true }));
  }
  const card = JSON.parse(await readFile(path.join(dir, "models.json"), "utf8"));
  return {
    dir,
    detector: path.join(dir, "detector.onnx"),
    confidentDetector: path.join(dir, "detector-confident.onnx"),
    ensemble: path.join(dir, "ensemble.onnx"),
    detectorSize: card.detectorSize,
    classifierHeight: card.classifier.height,
    classifierWidth: card.classifier.width,
  };
}

/** A scratch folder for the arrays exchanged with the Python reference. */
export async function scratchDir(): Promise<string> {
  await mkdir(path.join(REPO_ROOT, "tmp"), { recursive: true });
  return mkdtemp(path.join(REPO_ROOT, "tmp", "inference-parity-"));
}

export async function writeArray(dir: string, name: string, data: Float32Array | Uint8Array): Promise<string> {
  await writeFile(path.join(dir, name), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return name;
}

export async function readFloat32(dir: string, name: string): Promise<Float32Array> {
  const bytes = await readFile(path.join(dir, name));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export async function readUint8(dir: string, name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path.join(dir, name)));
}

/** Runs one job of seed_reference.py and returns its JSON answer. */
export async function seedReference<T>(dir: string, job: Record<string, unknown>): Promise<T> {
  const jobFile = path.join(dir, `job-${String(job.op)}-${Math.random().toString(36).slice(2, 8)}.json`);
  await writeFile(jobFile, JSON.stringify({ ...job, dir }));
  const { stdout } = await execFileAsync(PYTHON, [path.join(HERE, "seed_reference.py"), jobFile], {
    maxBuffer: 1 << 26,
  });
  return JSON.parse(stdout) as T;
}

/**
 * A mammogram-like 0..255 float image: a half ellipse of tissue against the left (or right)
 * edge with a fall-off towards the skin line, texture, noise, and a small bright label in a
 * corner (what the Otsu fallback's percentile clip is for).
 */
export function phantomImage(height: number, width: number, seed: number, rightSide = false): Float32Array {
  const random = prng(seed);
  const out = new Float32Array(height * width);
  const cy = height * (0.45 + 0.1 * random());
  const ry = height * (0.35 + 0.1 * random());
  const rx = width * (0.55 + 0.2 * random());
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (rightSide ? width - 1 - x : x) / rx;
      const dy = (y - cy) / ry;
      const r = Math.sqrt(dx * dx + dy * dy);
      let v = 8 + 6 * random();
      if (r < 1) v = 60 + 120 * (1 - r * r) + 25 * Math.sin(x / 7) * Math.cos(y / 11) + 15 * random();
      out[y * width + x] = Math.fround(Math.min(255, Math.max(0, v)));
    }
  }
  const labelX = rightSide ? 2 : width - Math.ceil(width * 0.08) - 2;
  for (let y = 2; y < 2 + Math.ceil(height * 0.04); y++) {
    for (let x = labelX; x < labelX + Math.ceil(width * 0.08); x++) out[y * width + x] = 250;
  }
  return out;
}

/**
 * The largest |a[i] − b[i]| over `count` elements from `from` every `step`. Arrays of different
 * lengths, or a range that runs past their end, are an error: a shorter output is never "close".
 */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, from = 0, step = 1, count?: number): number {
  if (a.length !== b.length) throw new RangeError(`the arrays differ in length: ${a.length} and ${b.length}`);
  const n = count ?? Math.ceil((a.length - from) / step);
  const last = from + (n - 1) * step;
  if (n > 0 && last >= a.length) {
    throw new RangeError(`${n} elements from ${from} every ${step} run past the arrays' ${a.length} elements`);
  }
  let max = 0;
  for (let k = 0, i = from; k < n; k++, i += step) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    // NaN on either side is a difference, not a match.
    max = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(max, d);
  }
  return max;
}

/** Phantom images of the given sizes written for the Python reference, one case per size. */
export async function phantomCases(
  dir: string,
  sizes: readonly [number, number][],
  prefix: string,
  seed: number,
  outputSuffix: string,
) {
  return Promise.all(
    sizes.map(async ([height, width], i) => ({
      height,
      width,
      input: await writeArray(dir, `${prefix}-${i}.f32`, phantomImage(height, width, seed + i)),
      output: `${prefix}-${i}.${outputSuffix}`,
    })),
  );
}
