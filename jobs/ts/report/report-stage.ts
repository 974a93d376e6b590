import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { RoiBranch } from "../roi/select-box.ts";
import { type StageContextOf, StageFailure, writeFileAtomic } from "../runtime/index.ts";
import { parseCsv } from "../submit/csv.ts";
import { evaluateBreasts } from "../submit/evaluation.ts";
import { breastLabelsFromCsv } from "../submit/labels.ts";
import { BREASTS_FILE, PROBABILITIES_FILE } from "../submit/stages.ts";
import { locateImage, type TestImage, testImagesFromCsv } from "../submit/test-set.ts";
import { breastTableCsv } from "./breast-table.ts";
import { operatingPoint } from "./curves.ts";
import { readModelsRecords } from "./models-record.ts";
import { provenanceOf } from "./provenance.ts";
import { renderReport } from "./render-report.ts";
import type { ReportBreast, ReportData, ReportImage } from "./report-data.ts";
import { DEFAULT_LIMITS, selectBreasts } from "./selection.ts";
import { dicomThumbnail } from "./thumbnail.ts";
import { readThumbnailIndex, type ThumbnailEntry } from "./thumbnails.ts";

export const REPORT_FILE = "report.html";
/** The full per-breast table beside the page (which may show only some breasts). */
export const REPORT_TABLE_FILE = "report-breasts.csv";

const ReportParameters = z.strictObject({
  title: z.string().min(1).default("mammoflow submission"),
  /** Width of a thumbnail decoded here, for predictions made before predict wrote thumbnails. */
  thumbnailWidth: z.int().min(32).max(1024).default(96),
  showAllUpTo: z.int().min(0).default(DEFAULT_LIMITS.showAllUpTo),
  worst: z.int().min(0).default(DEFAULT_LIMITS.worst),
  sample: z.int().min(0).default(DEFAULT_LIMITS.sample),
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

/** Groups test.csv rows by breast, keeping their order. */
function imagesByBreast(testImages: readonly TestImage[]): Map<string, TestImage[]> {
  const groups = new Map<string, TestImage[]>();
  for (const test of testImages) {
    const group = groups.get(test.predictionId);
    if (group) group.push(test);
    else groups.set(test.predictionId, [test]);
  }
  return groups;
}

/**
 * Thumbnails of the breasts the page shows: the ones predict made, else (predictions from before
 * it made them) decoded here from the DICOM file, for these breasts only.
 */
async function attachThumbnails(
  context: StageContextOf<"aggregate">,
  breasts: readonly ReportBreast[],
  tests: ReadonlyMap<string, TestImage[]>,
  made: ReadonlyMap<string, ThumbnailEntry>,
  width: number,
): Promise<void> {
  // Resolved on first need: with predict's thumbnails the test images are never touched.
  let imagesDir: Promise<string> | undefined;
  const images = () => {
    imagesDir ??= context.inputPath("images");
    return imagesDir;
  };
  for (const breast of breasts) {
    for (const [k, image] of breast.images.entries()) {
      const entry = made.get(image.imageId);
      try {
        if (entry) {
          const data = await readFile(entry.file);
          image.thumbnail = { data, mime: "image/jpeg", width: entry.width, height: entry.height };
          image.imageWidth = entry.imageWidth;
          image.imageHeight = entry.imageHeight;
        } else if (context.request.inputs.images !== undefined && image.error === undefined) {
          const test = tests.get(breast.predictionId)?.[k] as TestImage;
          const decoded = await dicomThumbnail(await locateImage(await images(), test), width);
          image.thumbnail = { data: decoded.png, mime: "image/png", width: decoded.width, height: decoded.height };
          image.imageWidth = decoded.imageWidth;
          image.imageHeight = decoded.imageHeight;
        }
      } catch (error) {
        image.error = image.error ?? (error as Error).message;
        context.addProblem(image.imageId, `no thumbnail: ${(error as Error).message}`);
      }
    }
  }
}

/**
 * report.html of a submission, written by the aggregate stage into its own folder next to
 * submission.csv: metrics, ROC/PR curves and score histograms with the threshold, the breasts
 * with their thumbnails, boxes and branches (all of a small set; the worst mistakes and a sample
 * of a large one), the models' digests and versions, a banner for demo models; and
 * report-breasts.csv with every breast.
 */
export async function writeSubmissionReport(context: StageContextOf<"aggregate">): Promise<void> {
  const parsed = ReportParameters.safeParse(context.request.parameters.report ?? {});
  if (!parsed.success) throw new StageFailure("BadRequest", `parameters.report: ${z.prettifyError(parsed.error)}`);
  const params = parsed.data;
  const threshold = context.metrics.threshold;
  if (threshold === undefined) throw new Error("the report needs the aggregate's threshold");
  const breastsFile = path.join(context.outputDir, BREASTS_FILE);
  const breastTable = parseCsv(await readFile(breastsFile, "utf8"), breastsFile);
  const predictionsDir = await context.inputPath("predictions");
  const imageRows = await readImageRows(predictionsDir);
  const csvFile = await context.inputPath("csv");
  const tests = imagesByBreast(testImagesFromCsv(await readFile(csvFile, "utf8"), csvFile));
  const labelsInput = context.request.inputs.labels;
  const labels =
    labelsInput !== undefined
      ? breastLabelsFromCsv(await readFile(await context.inputPath("labels"), "utf8"), labelsInput)
      : undefined;

  const breasts: ReportBreast[] = breastTable.rows.map((row) => {
    const predictionId = row.prediction_id ?? "";
    const probability = row.probability === "" ? 0 : Number(row.probability);
    const images = (tests.get(predictionId) ?? []).map((test) => imageOf(imageRows.get(test.imageId), test.imageId));
    const breast: ReportBreast = { predictionId, images, probability, decision: probability > threshold ? 1 : 0 };
    const label = labels?.get(predictionId);
    if (label !== undefined) breast.label = label;
    return breast;
  });
  const selection = selectBreasts(breasts, params);
  await attachThumbnails(
    context,
    selection.groups.flatMap((g) => g.breasts),
    tests,
    await readThumbnailIndex(predictionsDir),
    params.thumbnailWidth,
  );

  const generatedAt = new Date().toISOString();
  const digests = {
    ...(context.requestDigest ? { requestDigest: context.requestDigest } : {}),
    ...(context.request.inputDigests ? { inputDigests: context.request.inputDigests } : {}),
  };
  const data: ReportData = {
    title: params.title,
    threshold,
    breasts,
    selection,
    tableFile: REPORT_TABLE_FILE,
    provenance: provenanceOf(await readModelsRecords(predictionsDir), digests, generatedAt),
    generatedAt,
    facts: { resource: `${context.request.owner.kind}/${context.request.owner.name}` },
  };
  if (labels) {
    const evaluation = evaluateBreasts(
      breasts.map((b) => ({ predictionId: b.predictionId, probability: b.probability, images: b.images.length })),
      labels,
      threshold,
    );
    const { tp, fp, tn, fn } = operatingPoint(
      breasts.map((b) => ({ score: b.probability, label: b.label ?? 0 })),
      threshold,
    );
    data.metrics = {
      pF1: evaluation.pF1,
      auc: evaluation.auc,
      bestF1: evaluation.bestF1,
      bestThreshold: evaluation.bestThreshold,
      confusion: { tp, fp, tn, fn },
    };
  }
  const table = path.join(context.outputDir, REPORT_TABLE_FILE);
  await writeFileAtomic(table, breastTableCsv(breasts));
  await context.addArtifact("reportTable", table);
  const file = path.join(context.outputDir, REPORT_FILE);
  await writeFileAtomic(file, renderReport(data));
  await context.addArtifact("report", file);
}
