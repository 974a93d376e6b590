// `npm run bench:decode`: images per second decoding 3000×2400 mammograms (J2K .90 and
// JPEG-LL .70), TypeScript (one worker, all cores) next to pydicom + GDCM and pydicom +
// pylibjpeg (one process, all cores) on the same files in the same run. A benchmark, not a test.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describeActiveDecoders } from "../../jobs/ts/dicom/codecs/active-decoders.ts";
import { readDicom } from "../../jobs/ts/dicom/index.ts";
import { startWorker } from "../../jobs/ts/platform/workers.ts";
import { benchmarkStudies, PYTHON, REPO_ROOT } from "../parity/support/dicom-fixtures.ts";

const execFileAsync = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_IMAGES ?? 8);
const CORES = availableParallelism();

/** One thread decoding one image after another (OpenJPEG held to one thread too). */
async function tsOneWorker(files: string[]): Promise<number> {
  process.env.MAMMOFLOW_J2K_THREADS = "1";
  try {
    await readDicom(new Uint8Array(readFileSync(files[0] as string))); // load the codec before timing
    const start = performance.now();
    for (const f of files) await readDicom(new Uint8Array(readFileSync(f)));
    return (performance.now() - start) / 1000;
  } finally {
    delete process.env.MAMMOFLOW_J2K_THREADS;
  }
}

async function tsAllCores(files: string[]): Promise<number> {
  const url = new URL("./decode-worker.ts", import.meta.url).href;
  const workers = Array.from({ length: CORES }, () => startWorker(url, CORES));
  const once = (w: (typeof workers)[number], f: string) =>
    new Promise<void>((resolve, reject) => {
      w.once("message", () => resolve());
      w.once("error", reject);
      w.postMessage(f);
    });
  await Promise.all(workers.map((w) => once(w, files[0] as string))); // start-up and codec load untimed
  const start = performance.now();
  let next = 0;
  await Promise.all(
    workers.map(async (w) => {
      while (next < files.length) await once(w, files[next++] as string);
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  return seconds;
}

async function python(plugin: string, processes: number, files: string[]): Promise<number> {
  const { stdout } = await execFileAsync(PYTHON, [
    path.join(REPO_ROOT, "tests/bench/decode_bench.py"),
    plugin,
    String(processes),
    ...files,
  ]);
  return (JSON.parse(stdout.trim()) as { seconds: number }).seconds;
}

const manifest = await benchmarkStudies();
const rows: string[][] = [];
const pad = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(34) : c.padStart(12))).join("");
console.log(`decode benchmark: 3000×2400, ${ROUNDS} images per syntax, ${CORES} core(s); images per second`);
console.log(
  `${describeActiveDecoders()}; OpenJPEG: 1 thread in the 1-thread row, 2 per worker; MAMMOFLOW_J2K_DECODER=wasm and MAMMOFLOW_JPEG_LOSSLESS_DECODER=js measure the portable ones`,
);
console.log(pad(["decoder", "J2K .90", "JPEG-LL .70"]));
const syntaxes = ["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.70"];
const filesOf = (syntax: string) => {
  const own = manifest.files.filter((f) => f.syntax === syntax).map((f) => path.join(manifest.dir, f.file));
  return Array.from({ length: ROUNDS }, (_, i) => own[i % own.length] as string);
};
const results: Record<string, number[]> = {};
const runs: [string, (files: string[]) => Promise<number>][] = [
  ["TypeScript, 1 thread", tsOneWorker],
  [`TypeScript, ${CORES} workers`, tsAllCores],
  ["pydicom + GDCM, 1 process", (f) => python("gdcm", 1, f)],
  [`pydicom + GDCM, ${CORES} processes`, (f) => python("gdcm", CORES, f)],
  ["pydicom + pylibjpeg, 1 process", (f) => python("pylibjpeg", 1, f)],
  [`pydicom + pylibjpeg, ${CORES} processes`, (f) => python("pylibjpeg", CORES, f)],
];
for (const [name, run] of runs) {
  const rates: number[] = [];
  for (const syntax of syntaxes) {
    const files = filesOf(syntax);
    rates.push(files.length / (await run(files)));
  }
  results[name] = rates;
  rows.push([name, ...rates.map((r) => r.toFixed(2))]);
  console.log(pad(rows[rows.length - 1] as string[]));
}
const ts = results[`TypeScript, ${CORES} workers`] as number[];
for (const reference of [`pydicom + GDCM, ${CORES} processes`, "pydicom + GDCM, 1 process"]) {
  const ref = results[reference] as number[];
  console.log(
    pad([
      `ratio TS ${CORES} workers / ${reference.replace("pydicom + ", "")}`,
      ...ts.map((t, i) => `${(t / (ref[i] as number)).toFixed(2)}×`),
    ]),
  );
}
