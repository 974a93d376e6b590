import { parseCsv } from "./csv.ts";

/**
 * Breast labels from a CSV with `cancer` and either `prediction_id` or `patient_id` +
 * `laterality` (image-level train.csv rows or breast-level rows). A breast is positive when
 * any of its rows is.
 */
export function breastLabelsFromCsv(text: string, file: string): Map<string, 0 | 1> {
  const table = parseCsv(text, file);
  const hasId = table.columns.includes("prediction_id");
  const hasParts = table.columns.includes("patient_id") && table.columns.includes("laterality");
  if (!table.columns.includes("cancer") || !(hasId || hasParts)) {
    throw new Error(`${file}: needs a cancer column and prediction_id or patient_id + laterality`);
  }
  const labels = new Map<string, 0 | 1>();
  table.rows.forEach((row, i) => {
    const id = hasId && row.prediction_id ? row.prediction_id : `${row.patient_id}_${row.laterality}`;
    const value = row.cancer?.trim();
    if (value !== "0" && value !== "1")
      throw new Error(`${file}: line ${i + 2} has cancer '${row.cancer}', not 0 or 1`);
    labels.set(id, labels.get(id) === 1 || value === "1" ? 1 : 0);
  });
  return labels;
}
