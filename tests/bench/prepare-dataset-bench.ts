// Throughput of prepare-dataset's per-image work (decode + ROI + crop + 8-bit + PNG) on
// mammogram-size synthetic studies, on one core, and the projected wall time of the seed's
// ~89,000 images (54,706 RSNA + 34,341 external) on N single-core pods.
//
//   node --import tsx tests/bench/prepare-dataset-bench.ts [--size 3518x2800] [--images 8]
//
// Studies come from tests/fixtures/dicom/generate_studies.py (JPEG 2000 lossless and JPEG
// lossless SV1, the RSNA syntaxes); the detector is tmp/demo-models/detector/detector.onnx
// (jobs/python/tools/make_demo_models.py: the real YOLOX-nano graph, random weights, so its
// boxes fall back to Otsu: the worst case, both branches run).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import sharp from "sharp";
import { CropDetectorRuntime } from "../../jobs/contract/parameters/detector-precision.ts";
import { RoiSelection } from "../../jobs/contract/parameters/roi.ts";
import { encodeGray8Png } from "../../jobs/ts/dataset/crop/png.ts";
import { openRoiFinder } from "../../jobs/ts/dataset/crop/roi-finder.ts";
import { readDicom, windowedUint8, yoloxInputFloat } from "../../jobs/ts/dicom/index.ts";

const SEED_IMAGES = 54_706 + 34_341;
const ROOT = path.resolve(import.meta.dirname, "../..");
const PYTHON = path.join(ROOT, ".venv/bin/python");

const { values: args } = parseArgs({
  options: { size: { type: "string", default: "3518x2800" }, images: { type: "string", default: "8" } },
});
sharp.concurrency(1);

async function studies(size: string): Promise<string[]> {
  const folder = path.join(ROOT, "tmp/bench-prepare", size);
  if (!existsSync(path.join(folder, "manifest.json"))) {
    await mkdir(folder, { recursive: true });
    execFileSync(PYTHON, [
      path.join(ROOT, "tests/fixtures/dicom/generate_studies.py"),
      folder,
      "--size",
      size,
      "--set",
      "samples",
      "--variants",
      "mg12-m2-linear,mg12-m1-sigmoid",
    ]);
  }
  return (await readdir(folder)).filter((n) => n.endsWith(".dcm")).map((n) => path.join(folder, n));
}

function detectorModel(): string {
  const model = path.join(ROOT, "tmp/demo-models/detector/detector.onnx");
  if (!existsSync(model))
    execFileSync(PYTHON, [path.join(ROOT, "jobs/python/tools/make_demo_models.py"), "--out", "tmp/demo-models"], {
      cwd: ROOT,
    });
  return model;
}

const files = await studies(args.size);
const { finder, close } = await openRoiFinder(detectorModel(), RoiSelection.parse({}), CropDetectorRuntime.parse({}));
// CPU time (user + system) as well as wall time: on a shared machine wall time includes waiting.
const phases = { read: 0, decode: 0, roi: 0, crop: 0, png: 0 };
const cpuPhases = { read: 0, decode: 0, roi: 0, crop: 0, png: 0 };
const cpuNow = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const decodeBySyntax: Record<string, { ms: number; n: number }> = {};
const images = Number(args.images);
const branches: Record<string, number> = {};
let pixels = 0;
const start = performance.now();
const cpuStart = cpuNow();
for (let i = 0; i < images; i++) {
  const file = files[i % files.length] as string;
  let t = performance.now();
  let c = cpuNow();
  const lap = (phase: keyof typeof phases) => {
    const now = performance.now();
    const cpu = cpuNow();
    phases[phase] += now - t;
    cpuPhases[phase] += cpu - c;
    t = now;
    c = cpu;
  };
  const bytes = await readFile(file);
  lap("read");
  const decodeStart = cpuNow();
  const image = await readDicom(bytes);
  const syntax = image.transferSyntax.uid;
  decodeBySyntax[syntax] = {
    ms: (decodeBySyntax[syntax]?.ms ?? 0) + cpuNow() - decodeStart,
    n: (decodeBySyntax[syntax]?.n ?? 0) + 1,
  };
  lap("decode");
  const found = await finder(yoloxInputFloat(image), image.rows, image.columns);
  lap("roi");
  const crop = windowedUint8(image, {}, found.box);
  lap("crop");
  const width = found.box ? found.box.x1 - found.box.x0 : image.columns;
  const height = found.box ? found.box.y1 - found.box.y0 : image.rows;
  await encodeGray8Png(crop, width, height);
  lap("png");
  branches[found.source] = (branches[found.source] ?? 0) + 1;
  pixels += image.rows * image.columns;
}
const seconds = (performance.now() - start) / 1000;
const cpuSeconds = (cpuNow() - cpuStart) / 1000;
await close();

const perCore = images / cpuSeconds;
const ms = (x: number) => `${(x / images).toFixed(0)} ms`;
const list = (entries: Record<string, number>) =>
  Object.entries(entries)
    .map(([k, v]) => `${k} ${ms(v)}`)
    .join(", ");
console.log(`prepare-dataset per image (${args.size}, ${images} images, 1 core, ${os.cpus()[0]?.model ?? "cpu"})`);
console.log(
  `  CPU ${(cpuSeconds / images).toFixed(2)} s/image = ${perCore.toFixed(3)} images/s/core (${(pixels / images / 1e6).toFixed(1)} Mpx/image)`,
);
console.log(`  wall ${(seconds / images).toFixed(2)} s/image (more than CPU when the machine is shared)`);
console.log(`  CPU per phase: ${list(cpuPhases)}`);
console.log(`  wall per phase: ${list(phases)}`);
const bySyntax = Object.entries(decodeBySyntax).map(([k, v]) => `${k} ${(v.ms / v.n).toFixed(0)} ms`);
console.log(`  decode CPU by transfer syntax: ${bySyntax.join(", ")}`);
console.log(`  ROI branches: ${JSON.stringify(branches)}`);
console.log(`projected wall time for ${SEED_IMAGES.toLocaleString("en")} images (one core per pod, no I/O limit):`);
for (const pods of [1, 8, 16, 32, 64, 128]) {
  const hours = SEED_IMAGES / (perCore * pods) / 3600;
  console.log(
    `  ${String(pods).padStart(3)} pods: ${hours >= 1 ? `${hours.toFixed(1)} h` : `${(hours * 60).toFixed(0)} min`}`,
  );
}
