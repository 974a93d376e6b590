import { formatCsv } from "../submit/csv.ts";
import type { ReportBreast } from "./report-data.ts";

/** TP, FP, TN or FN of a labelled breast at the threshold; empty without a label. */
export function outcomeOf(breast: Pick<ReportBreast, "decision" | "label">): "TP" | "FP" | "TN" | "FN" | "" {
  if (breast.label === undefined) return "";
  if (breast.decision === 1) return breast.label === 1 ? "TP" : "FP";
  return breast.label === 1 ? "FN" : "TN";
}

/**
 * The full per-breast table beside report.html (which may show only some breasts): score,
 * decision, label and outcome, its images with their probabilities, boxes' branches and errors.
 */
export function breastTableCsv(breasts: readonly ReportBreast[]): string {
  const columns = [
    "prediction_id",
    "probability",
    "decision",
    "label",
    "outcome",
    "images",
    "image_probabilities",
    "roi",
    "errors",
  ];
  const rows = breasts.map((b) => [
    b.predictionId,
    b.probability,
    b.decision,
    b.label ?? "",
    outcomeOf(b),
    b.images.map((i) => i.imageId).join(" "),
    b.images.map((i) => (i.probability === undefined ? "" : i.probability)).join(" "),
    b.images.map((i) => i.branch ?? "").join(" "),
    b.images
      .filter((i) => i.error !== undefined)
      .map((i) => `${i.imageId}: ${i.error}`)
      .join("; "),
  ]);
  return formatCsv(columns, rows);
}
