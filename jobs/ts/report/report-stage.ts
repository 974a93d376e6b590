import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { RoiBranch } from "../roi/select-box.ts";
import { type StageContext, StageFailure, writeFileAtomic } from "../runtime/index.ts";
import { parseCsv } from "../submit/csv.ts";
import { evaluateBreasts } from "../submit/evaluation.ts";
import { breastLabelsFromCsv } from "../submit/labels.ts";
import { BREASTS_FILE, PROBABILITIES_FILE } from "../submit/stages.ts";
import { locateImage, testImagesFromCsv } from "../submit/test-set.ts";
import { renderReport } from "./render-report.ts";
import type { ReportBreast, ReportData, ReportImage, ReportMetrics } from "./report-data.ts";
import { dicomThumbnail } from "./thumbnail.ts";

export const REPORT_FILE = "report.html";

const ReportParameters = z.object({
  title: z.string().min(1).default("mammoflow submission"),
  thumbnailWidth: z.int().min(32).max(1024).default(160),
});

/** Every probabilities.csv under the predict stage folder (one per shard), rows keyed by image. */
async function readImageRows(predictionsDir: string): Promise<Map<string, Record<string, string>>> {
  const entries = await readdir(predictionsDir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name === PROBABILITIES_FILE)
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  if (files.length === 0) {
    throw new StageFailure("MissingArtifact", `no ${PROBABILITIES_FILE} under ${predictionsDir}`, predictionsDir);
  }
  const rows = new Map<string, Record<string, string>>();
  for (const file of files) {
    for (const row of parseCsv(await readFile(file, "utf8"), file).rows) rows.set(row.image_id ?? "", row);
  }
  return rows;
}

function imageOf(row: Record<string, string> | undefined, imageId: string): ReportImage {
  if (!row) return { imageId, foldProbabilities: [], error: "not scored (missing from the predictions)" };
  const folds = Object.keys(row)
    .filter((c) => /^fold_\d+$/.test(c))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((c) => Number(row[c]))
    .filter((v) => Number.isFinite(v));
  const image: ReportImage = { imageId, foldProbabilities: folds };
  if (row.error) image.error = row.error;
  if (row.mean) image.probability = Number(row.mean);
  if (row.roi) image.branch = row.roi as RoiBranch;
  if (row.x0 !== "" && row.x0 !== undefined) {
    image.box = { x0: Number(row.x0), y0: Number(row.y0), x1: Number(row.x1), y1: Number(row.y1) };
  }
  return image;
}

function confusion(breasts: readonly ReportBreast[]): ReportMetrics["confusion"] {
  const count = (decision: 0 | 1, label: 0 | 1) =>
    breasts.filter((b) => b.decision === decision && b.label === label).length;
  return { tp: count(1, 1), fp: count(1, 0), tn: count(0, 0), fn: count(0, 1) };
}

/**
 * report.html of a submission, written by the aggregate stage into its own folder next to
 * submission.csv when the request names the `images`: per breast, its images with the breast
 * box and the branch that found it, the fold probabilities, the breast score and the decision;
 * with labels, pF1, AUC, best-threshold F1 and the confusion at the threshold.
 */
export async function writeSubmissionReport(context: StageContext): Promise<void> {
  const parsed = ReportParameters.safeParse(context.request.parameters.report ?? {});
  if (!parsed.success) throw new StageFailure("BadRequest", `parameters.report: ${z.prettifyError(parsed.error)}`);
  const params = parsed.data;
  const threshold = context.metrics.threshold;
  if (threshold === undefined) throw new Error("the report needs the aggregate's threshold");
  const breastsFile = path.join(context.outputDir, BREASTS_FILE);
  const breastTable = parseCsv(await readFile(breastsFile, "utf8"), breastsFile);
  const imageRows = await readImageRows(await context.inputPath("predictions"));
  const csvFile = await context.inputPath("csv");
  const testImages = testImagesFromCsv(await readFile(csvFile, "utf8"), csvFile);
  const imagesDir = await context.inputPath("images");
  const labels =
    context.request.inputs.labels !== undefined
      ? breastLabelsFromCsv(
          await readFile(await context.inputPath("labels"), "utf8"),
          context.request.inputs.labels as string,
        )
      : undefined;

  const breasts: ReportBreast[] = [];
  for (const row of breastTable.rows) {
    const predictionId = row.prediction_id ?? "";
    const probability = row.probability === "" ? 0 : Number(row.probability);
    const images: ReportImage[] = [];
    for (const test of testImages.filter((t) => t.predictionId === predictionId)) {
      const image = imageOf(imageRows.get(test.imageId), test.imageId);
      try {
        const thumbnail = await dicomThumbnail(await locateImage(imagesDir, test), params.thumbnailWidth);
        image.thumbnail = { png: thumbnail.png, width: thumbnail.width, height: thumbnail.height };
        image.imageWidth = thumbnail.imageWidth;
        image.imageHeight = thumbnail.imageHeight;
      } catch (error) {
        image.error = image.error ?? (error as Error).message;
        context.addProblem(test.imageId, `no thumbnail: ${(error as Error).message}`);
      }
      images.push(image);
    }
    const breast: ReportBreast = { predictionId, images, probability, decision: probability > threshold ? 1 : 0 };
    const label = labels?.get(predictionId);
    if (label !== undefined) breast.label = label;
    breasts.push(breast);
  }

  const data: ReportData = {
    title: params.title,
    threshold,
    breasts,
    generatedAt: new Date().toISOString(),
    facts: { resource: `${context.request.owner.kind}/${context.request.owner.name}` },
  };
  if (labels) {
    const evaluation = evaluateBreasts(
      breasts.map((b) => ({ predictionId: b.predictionId, probability: b.probability, images: b.images.length })),
      labels,
      threshold,
    );
    data.metrics = {
      pF1: evaluation.pF1,
      auc: evaluation.auc,
      bestF1: evaluation.bestF1,
      bestThreshold: evaluation.bestThreshold,
      confusion: confusion(breasts),
    };
  }
  const file = path.join(context.outputDir, REPORT_FILE);
  await writeFileAtomic(file, renderReport(data));
  await context.addArtifact("report", file);
}
