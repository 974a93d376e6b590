import type { BreastBox, RoiBranch } from "../roi/select-box.ts";
import { CsvError, formatCsv, parseCsv, requireColumns } from "./csv.ts";
import type { TestImage } from "./test-set.ts";

/** The outcome for one image: its box and fold probabilities, or why it has none. */
export interface ImageResult {
  image: TestImage;
  box?: BreastBox;
  folds?: Float32Array;
  /** Mean over folds (float32, as the seed). */
  mean?: number;
  error?: string;
}

const LEADING = ["image_id", "patient_id", "laterality", "prediction_id", "x0", "y0", "x1", "y1", "roi"];

/**
 * probabilities.csv: one row per image with its box, the branch that found it (yolox, otsu,
 * full), each fold's probability and their mean; a failed image has an empty box and
 * probabilities and the reason in `error`.
 */
export function probabilitiesCsv(results: readonly ImageResult[]): string {
  const folds = Math.max(0, ...results.map((r) => r.folds?.length ?? 0));
  const foldColumns = Array.from({ length: folds }, (_, k) => `fold_${k}`);
  const columns = [...LEADING, ...foldColumns, "mean", "error"];
  const rows = results.map(({ image, box, folds: probabilities, mean, error }) => [
    image.imageId,
    image.patientId,
    image.laterality,
    image.predictionId,
    box?.x0 ?? "",
    box?.y0 ?? "",
    box?.x1 ?? "",
    box?.y1 ?? "",
    box?.branch ?? "",
    ...foldColumns.map((_, k) => probabilities?.[k] ?? ""),
    mean ?? "",
    error ?? "",
  ]);
  return formatCsv(columns, rows);
}

/** A row read back: what aggregation and evaluation need. */
export interface ProbabilityRow {
  imageId: string;
  patientId: string;
  laterality: string;
  predictionId: string;
  roi: RoiBranch | "";
  mean?: number;
  error?: string;
}

/** Reads a probabilities.csv written by `probabilitiesCsv` (also the minimal image_id,prediction_id,mean). */
export function readProbabilitiesCsv(text: string, file: string): ProbabilityRow[] {
  const table = parseCsv(text, file);
  requireColumns(table, file, ["image_id", "prediction_id", "mean"]);
  return table.rows.map((row, i) => {
    const error = row.error?.trim() || undefined;
    const parsed: ProbabilityRow = {
      imageId: row.image_id as string,
      patientId: row.patient_id ?? "",
      laterality: row.laterality ?? "",
      predictionId: row.prediction_id as string,
      roi: (row.roi ?? "") as RoiBranch | "",
    };
    if (error) return { ...parsed, error };
    const mean = Number(row.mean);
    if (row.mean === "" || !Number.isFinite(mean)) {
      throw new CsvError(`${file}: line ${i + 2} has no error and a mean of '${row.mean}'`);
    }
    return { ...parsed, mean };
  });
}
