import { readFile } from "node:fs/promises";
import path from "node:path";
import { describeActiveDecoders } from "../dicom/codecs/active-decoders.ts";
import { ModelLoadError, PrecisionUnsupported } from "../onnx/session.ts";
import { cpuBudget } from "../platform/cpu-budget.ts";
import { recordForReport } from "../report/predict-record.ts";
import { ThumbnailWriter } from "../report/thumbnails.ts";
import { ProgressReporter, type StageContextOf, StageFailure, writeFileAtomic } from "../runtime/index.ts";
import { evaluateAgainstLabels } from "./evaluate-files.ts";
import type { Evaluation } from "./evaluation.ts";
import { type ProbabilityRow, probabilitiesCsv, readProbabilitiesCsv } from "./probabilities-file.ts";
import { runPredict } from "./run-predict.ts";
import { isBadInputError } from "./score-test-set.ts";
import { buildSubmission } from "./submission.ts";

export const PROBABILITIES_FILE = "probabilities.csv";
export const SUBMISSION_FILE = "submission.csv";
export const BREASTS_FILE = "breast-probabilities.csv";

/** Errors about the inputs themselves (a retry cannot fix them) become permanent failures. */
function asStageFailure(error: unknown): unknown {
  // fp16 asked of a provider that cannot run it: the request must change (the API refuses it too).
  if (error instanceof PrecisionUnsupported) {
    return new StageFailure("BadRequest", `parameters.runtime.detectorPrecision: ${error.message}`);
  }
  if (!isBadInputError(error)) return error;
  return new StageFailure("BadInput", error.message, error instanceof ModelLoadError ? error.file : undefined);
}

/**
 * `predict` (sharded): shard i/n of test.csv through ROI, crop, window and the ensemble;
 * writes probabilities.csv. Images that fail are listed as problems and the shard succeeds.
 */
export async function predictStage(context: StageContextOf<"predict">): Promise<void> {
  const params = context.parameters();
  const [csv, images, detector, engine] = await Promise.all([
    context.inputPath("csv"),
    context.inputPath("images"),
    context.inputPath("detector"),
    context.inputPath("engine"),
  ]);
  const { executionProvider, batchSize, threads, deviceId, tensorrtEngineCacheDir, workers, detectorPrecision } =
    params.runtime;
  // Thumbnails for report.html, made once here from the detector's view of each image.
  const thumbnails = new ThumbnailWriter(context.outputDir);
  let results: Awaited<ReturnType<typeof runPredict>>;
  let progress: ProgressReporter | undefined;
  try {
    results = await runPredict({
      csv,
      images,
      detector,
      classifier: engine,
      ...(context.request.shard ? { shard: context.request.shard } : {}),
      roi: params.roi,
      detectorPrecision,
      workers: workers ?? cpuBudget(),
      onResized: (image, view, rows, columns) => thumbnails.add(image.imageId, view, rows, columns),
      // Auto may have fallen back to the CPU: say where the models run.
      onReady: (info) => {
        process.stderr.write(
          `predict: ${info.images} images; detector on ${info.detector} (${info.detectorFp16 ? "fp16" : "fp32"}), classifier on ${info.classifier} (batch ${info.batchSize}); ${describeActiveDecoders()}\n`,
        );
        progress = new ProgressReporter({
          stage: "predict",
          unit: "images",
          total: info.images,
          ...(context.request.shard ? { shard: context.request.shard } : {}),
        });
        progress.update(0);
      },
      onProgress: (done, _total, failed) => progress?.update(done, failed > 0 ? { failed } : {}),
      pixels: params.pixels,
      runtime: {
        executionProvider,
        batchSize,
        threads,
        deviceId,
        ...(tensorrtEngineCacheDir
          ? { tensorrtEngineCacheDir: path.join(context.storageRoot, tensorrtEngineCacheDir) }
          : {}),
      },
    });
  } catch (error) {
    throw asStageFailure(error);
  }
  const failedImages = results.filter((r) => r.error !== undefined).length;
  progress?.finish(results.length, failedImages > 0 ? { failed: failedImages } : {});
  const file = path.join(context.outputDir, PROBABILITIES_FILE);
  await writeFileAtomic(file, probabilitiesCsv(results));
  await context.addArtifact("probabilities", file);
  await recordForReport(context, thumbnails, detector, engine);
  context.metrics.images = results.length;
  context.metrics.failedImages = failedImages;
  for (const branch of ["yolox", "otsu", "full"] as const) {
    context.metrics[`roi_${branch}`] = results.filter((r) => r.box?.branch === branch).length;
  }
  for (const r of results) if (r.error !== undefined) context.addProblem(r.image.imageId, r.error);
}

/** The shard files of a predict stage: `<dir>/<i>/probabilities.csv`, or `<dir>/probabilities.csv` unsharded. */
async function readShardProbabilities(
  dir: string,
  shards: number,
  onShard: (read: number) => void,
): Promise<ProbabilityRow[]> {
  const rows: ProbabilityRow[] = [];
  for (let i = 0; i < shards; i++) {
    const candidates = [
      path.join(dir, String(i), PROBABILITIES_FILE),
      ...(shards === 1 ? [path.join(dir, PROBABILITIES_FILE)] : []),
    ];
    let text: string | undefined;
    let used = candidates[0] as string;
    for (const candidate of candidates) {
      text = await readFile(candidate, "utf8").catch(() => undefined);
      used = candidate;
      if (text !== undefined) break;
    }
    if (text === undefined) {
      throw new StageFailure(
        "MissingArtifact",
        `shard ${i} of ${shards} has no ${PROBABILITIES_FILE} (${candidates.join(" or ")})`,
        used,
      );
    }
    try {
      rows.push(...readProbabilitiesCsv(text, used));
    } catch (error) {
      throw asStageFailure(error);
    }
    onShard(i + 1);
  }
  return rows;
}

/**
 * `aggregate`: merges the predict shards into submission.csv (prediction_id,cancer) and
 * breast-probabilities.csv; with a labels input, reports pF1, best-threshold F1 and AUC.
 */
export async function aggregateStage(context: StageContextOf<"aggregate">): Promise<void> {
  const params = context.parameters();
  // Quick next to predict, but a test set of thousands of shards' rows still gets a line to watch.
  const progress = new ProgressReporter({ stage: "aggregate", unit: "shards", total: params.shards });
  progress.update(0);
  const rows = await readShardProbabilities(await context.inputPath("predictions"), params.shards, (read) =>
    progress.update(read),
  );
  progress.finish(params.shards);
  const submission = buildSubmission(rows, params.aggregation);
  const submissionFile = path.join(context.outputDir, SUBMISSION_FILE);
  const breastsFile = path.join(context.outputDir, BREASTS_FILE);
  const breastLines = submission.breasts.map(
    (b) => `${b.predictionId},${Number.isNaN(b.probability) ? "" : b.probability},${b.images}`,
  );
  await writeFileAtomic(breastsFile, `prediction_id,probability,images\n${breastLines.map((l) => `${l}\n`).join("")}`);
  await writeFileAtomic(submissionFile, submission.csv);
  await context.addArtifact("submission", submissionFile);
  await context.addArtifact("breastProbabilities", breastsFile);
  context.metrics.threshold = submission.threshold;
  context.metrics.breasts = submission.breasts.length;
  context.metrics.failedImages = submission.failedImages.length;
  context.metrics.missingBreasts = submission.missingBreasts.length;
  for (const id of submission.missingBreasts)
    context.addProblem(id, "no image of this breast could be scored; written as 0");
  if (context.request.inputs.labels !== undefined) {
    const labelsFile = await context.inputPath("labels");
    let evaluation: Evaluation;
    try {
      evaluation = await evaluateAgainstLabels(submission.breasts, labelsFile, submission.threshold);
    } catch (error) {
      throw new StageFailure("BadInput", (error as Error).message, labelsFile);
    }
    context.metrics.pF1 = evaluation.pF1;
    context.metrics.f1 = evaluation.f1AtThreshold;
    context.metrics.bestF1 = evaluation.bestF1;
    context.metrics.bestThreshold = evaluation.bestThreshold;
    if (!Number.isNaN(evaluation.auc)) context.metrics.auc = evaluation.auc;
  }
}
