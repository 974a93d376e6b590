import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import type { DecodeOutcome, DecodeTask } from "../dicom/batch/decode-one.ts";
import { decodeTasks, writeFailures } from "../dicom/batch/run-batch.ts";
import { describeActiveDecoders } from "../dicom/codecs/active-decoders.ts";
import { cpuBudget } from "../platform/cpu-budget.ts";
import { ProgressReporter, StageFailure, type StageFunction } from "../runtime/index.ts";
import { ImageListError, type ListedImage, readImageLists } from "./image-list.ts";

/** Where the PNGs go, under the stage folder: roi-dataset's `images` input. */
export const IMAGES_DIR = "images";

interface Failure {
  /** The DICOM file, relative to the storage root. */
  file: string;
  /** Why it has no PNG (without the file name). */
  error: string;
  missing: boolean;
  /** Its PNG could not be written (errno code, e.g. ENOSPC): not the input's fault. */
  writeError?: string;
}

async function listedImages(labels: string): Promise<ListedImage[]> {
  try {
    return await readImageLists(labels);
  } catch (error) {
    if (error instanceof ImageListError) throw new StageFailure("BadInput", error.message, error.file);
    throw error;
  }
}

const isFile = (file: string) =>
  stat(file).then(
    (info) => info.isFile(),
    () => false,
  );

/** Progress events (images decoded, images/s, ETA) in the stage's JSON log: the pod's log, the local stage.log. */
function progressLog(total: number) {
  const reporter = new ProgressReporter({ stage: "roi-images", unit: "images", total });
  let done = 0;
  let failed = 0;
  reporter.update(0);
  return {
    count(outcome: DecodeOutcome) {
      done += 1;
      if (!outcome.ok) failed += 1;
      reporter.update(done, failed > 0 ? { failed } : {});
    },
    finish: () => reporter.finish(done, failed > 0 ? { failed } : {}),
  };
}

function failureMessage(failures: readonly Failure[], listed: number, report: string): string {
  const first = failures[0] as Failure;
  const missing = failures.filter((f) => f.missing).length;
  return (
    `${failures.length} of ${listed} listed images have no PNG (${missing} missing, ${failures.length - missing} not decodable); ` +
    `first: ${first.file}: ${first.error}; all of them in ${report}`
  );
}

/**
 * roi-images (seed job J1's decode step, docs/seed-pipeline.md#path-c--detector-training-images and docs/seed-pipeline.md#detector-labels): the images of the
 * detector's train.txt and val.txt from `<dicom>/<patient_id>/<image_id>.dcm` as 8-bit path-C
 * PNGs `images/{patient_id}@{image_id}.png`, the folder roi-dataset reads. Every image that can
 * be written is; then any missing or undecodable one fails the stage (roi-dataset needs them all).
 */
export const roiImagesStage: StageFunction<"roi-images"> = async (ctx) => {
  const parameters = ctx.parameters();
  const [labels, dicom] = await Promise.all([ctx.inputPath("labels"), ctx.inputPath("dicom")]);
  const images = await listedImages(labels);
  if (images.length === 0) {
    throw new StageFailure("BadInput", `train.txt and val.txt in ${labels} list no image`, labels);
  }
  const outDir = path.join(ctx.outputDir, IMAGES_DIR);
  await mkdir(outDir, { recursive: true });
  const relative = (file: string) => path.relative(ctx.storageRoot, file);

  const order = new Map<string, number>();
  const failures: Failure[] = [];
  const tasks: DecodeTask[] = [];
  for (const [index, image] of images.entries()) {
    const file = path.join(dicom, image.patientId, `${image.imageId}.dcm`);
    order.set(relative(file), index);
    if (await isFile(file)) tasks.push({ file, output: path.join(outDir, image.name), mode: "minmax" });
    else failures.push({ file: relative(file), error: "no such DICOM file", missing: true });
  }
  const workers = parameters.workers ?? cpuBudget();
  process.stderr.write(
    `roi-images: ${images.length} listed images, ${tasks.length} DICOM files found; decoding with path C on ${Math.max(1, Math.min(workers, tasks.length))} thread(s); ${describeActiveDecoders()}\n`,
  );
  const progress = progressLog(tasks.length);
  await decodeTasks(tasks, workers, (outcome) => {
    progress.count(outcome);
    if (!outcome.ok) {
      // decodeOne's errors start with the file's base name; the failure names the whole path.
      const prefix = `${path.basename(outcome.file)}: `;
      const error = outcome.error.startsWith(prefix) ? outcome.error.slice(prefix.length) : outcome.error;
      failures.push({
        file: relative(outcome.file),
        error,
        missing: false,
        ...(outcome.phase === "write" ? { writeError: outcome.code ?? "write failed" } : {}),
      });
    }
  });
  progress.finish();
  failures.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0));

  const report = await writeFailures(
    outDir,
    failures.map((f) => ({ file: f.file, error: f.error })),
  );
  await ctx.addArtifact("images", outDir);
  await ctx.addArtifact("failures", report);
  ctx.metrics.images = images.length;
  ctx.metrics.written = images.length - failures.length;
  ctx.metrics.missing = failures.filter((f) => f.missing).length;
  ctx.metrics.failed = failures.length;
  for (const f of failures) ctx.addProblem(f.file, f.error);
  // A PNG that could not be written fails the stage as retryable: a retry on more disk can succeed.
  const unwritten = failures.find((f) => f.writeError !== undefined);
  if (unwritten) {
    throw new StageFailure(
      unwritten.writeError === "ENOSPC" ? "OutOfSpace" : "Internal",
      `cannot write the PNG of ${unwritten.file} into ${relative(outDir)}: ${unwritten.error}`,
      path.join(ctx.storageRoot, unwritten.file),
    );
  }
  const first = failures[0];
  if (first) {
    throw new StageFailure(
      first.missing ? "MissingArtifact" : "BadInput",
      failureMessage(failures, images.length, relative(report)),
      path.join(ctx.storageRoot, first.file),
    );
  }
};
