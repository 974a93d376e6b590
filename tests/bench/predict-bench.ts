// `npm run bench:predict`: images per second through the whole inference path (decode, ROI,
// crop, window, classifier canvas, ONNX Runtime), TypeScript next to a Python script doing the
// same steps with the seed's libraries and the same ONNX models, same thread count, same run.
// A benchmark, not a test. BENCH_IMAGES (default 8), BENCH_THREADS (default: all cores),
// BENCH_DETECTOR / BENCH_CLASSIFIER (default: the test models, YOLOX-nano 416 + convnext_atto ×4 at 256×128).
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { RoiSelection } from "../../jobs/contract/parameters/roi.ts";
import { ClassifierEnsemble } from "../../jobs/ts/classify/ensemble.ts";
import { describeActiveDecoders } from "../../jobs/ts/dicom/codecs/active-decoders.ts";
import { inferenceRuntimeOptions } from "../../jobs/ts/onnx/options.ts";
import { BreastRoiDetector } from "../../jobs/ts/roi/detector.ts";
import { predictImages } from "../../jobs/ts/submit/predict-images.ts";
import { PreparePool } from "../../jobs/ts/submit/prepare-pool.ts";
import type { TestImage } from "../../jobs/ts/submit/test-set.ts";
import { scratchDir, testModels } from "../parity/inference/support.ts";
import { benchmarkStudies, PYTHON, REPO_ROOT } from "../parity/support/dicom-fixtures.ts";

const execFileAsync = promisify(execFile);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 8);
const THREADS = Number(process.env.BENCH_THREADS ?? availableParallelism());

const models = await testModels();
const detectorFile = process.env.BENCH_DETECTOR ?? models.confidentDetector;
const classifierFile = process.env.BENCH_CLASSIFIER ?? models.ensemble;
// The decode benchmark's studies (3000×2400, 12- and 14-bit), JPEG 2000 and JPEG Lossless: the seed's syntaxes.
const manifest = await benchmarkStudies();
const own = manifest.files
  .filter((f) => ["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.70"].includes(f.syntax))
  .map((f) => path.join(manifest.dir, f.file));
const files = Array.from({ length: IMAGES }, (_, i) => own[i % own.length] as string);

// TypeScript: the files laid out flat as <image_id>.dcm, the models opened once, one image warm-up.
const dir = await scratchDir();
const { symlink } = await import("node:fs/promises");
const images: TestImage[] = await Promise.all(
  files.map(async (file, i) => {
    await symlink(file, path.join(dir, `${i}.dcm`));
    return {
      patientId: "1",
      imageId: String(i),
      laterality: i % 2 ? "L" : "R",
      predictionId: `1_${i % 2 ? "L" : "R"}`,
    };
  }),
);
const runtime = inferenceRuntimeOptions({ threads: THREADS, batchSize: 2 });
const detector = await BreastRoiDetector.open(detectorFile, runtime);
const classifier = await ClassifierEnsemble.open(classifierFile, runtime);
// The workers start (tsx, codecs) during the warm-up, outside the timing, as the Python pool's processes do.
const pool = PreparePool.start(THREADS);
const options = { roi: RoiSelection.parse({}), pixels: {}, pool };
await predictImages(images.slice(0, THREADS), dir, { detector, classifier }, options);
const start = performance.now();
const results = await predictImages(images, dir, { detector, classifier }, options);
const tsSeconds = (performance.now() - start) / 1000;
const failed = results.filter((r) => r.error);
if (failed.length > 0) throw new Error(`TypeScript failed on ${failed.map((r) => r.error).join("; ")}`);
const tsBranches: Record<string, number> = {};
for (const r of results) tsBranches[r.box?.branch ?? "none"] = (tsBranches[r.box?.branch ?? "none"] ?? 0) + 1;
await detector.close();
await classifier.close();
await pool.close();

const { stdout } = await execFileAsync(
  PYTHON,
  [path.join(REPO_ROOT, "tests/bench/predict_bench.py"), String(THREADS), detectorFile, classifierFile, ...files],
  { maxBuffer: 1 << 24 },
);
const python = JSON.parse(stdout.trim()) as { images: number; seconds: number; branches: Record<string, number> };

const tsRate = IMAGES / tsSeconds;
const pyRate = python.images / python.seconds;
const report = [
  `predict benchmark: ${IMAGES} images 3000×2400 (J2K .90 and JPEG-LL .70); ${THREADS} preparation workers/processes and ${THREADS} ONNX Runtime thread(s) on each side`,
  `detector ${path.basename(detectorFile)} ${detector.inputHeight}×${detector.inputWidth}, classifier ${path.basename(classifierFile)} ${classifier.inputHeight}×${classifier.inputWidth} (batch ${classifier.batchSize})`,
  `TypeScript decoders: ${describeActiveDecoders()} (OpenJPEG: each worker its share of the cores)`,
  `TypeScript (ORT-node)              ${tsRate.toFixed(2)} images/s   branches ${JSON.stringify(tsBranches)}`,
  `Python (pydicom+GDCM, torch, ORT)  ${pyRate.toFixed(2)} images/s   branches ${JSON.stringify(python.branches)}`,
  `ratio TypeScript / Python          ${(tsRate / pyRate).toFixed(2)}×`,
];
console.log(report.join("\n"));
await writeFile(path.join(dir, "report.txt"), `${report.join("\n")}\n`);
