import type { DatasetInput, DatasetName, DatasetPlan, ImageFormat } from "../types.ts";
import { columnIndex, labelItem, problem, readCsvTexts } from "./common.ts";

/** Finds the raw file of a checked-in row, or says why there is none. */
export type SourceFinder = (patientId: string, imageId: string, row: readonly string[]) => Promise<string | Error>;

/**
 * A plan from the seed's checked-in cleaned_label.csv (bmcd, cmmd): its rows and columns
 * exactly, in its order, which is the order the published training run used (docs/seed-pipeline.md#classification-datasets).
 */
export async function planFromCheckedIn(
  dataset: DatasetName,
  input: DatasetInput,
  format: ImageFormat,
  makeFinder: (columns: readonly string[]) => SourceFinder,
): Promise<DatasetPlan> {
  if (!input.seedLabelsFile) throw new Error(`${dataset}: SeedCheckedIn labels need the checked-in CSV`);
  const table = await readCsvTexts(input.seedLabelsFile);
  const at = columnIndex(table, input.seedLabelsFile, ["patient_id", "image_id"]);
  const plan: DatasetPlan = { dataset, columns: table.columns, images: [], problems: [] };
  const findSource = makeFinder(table.columns);
  for (const row of table.rows) {
    const patientId = row[at.patient_id as number] as string;
    const imageId = row[at.image_id as number] as string;
    const file = await findSource(patientId, imageId, row);
    if (file instanceof Error) {
      plan.problems.push(problem("label-without-image", labelItem(dataset, patientId, imageId), file.message));
      continue;
    }
    plan.images.push({ patientId, imageId, file, format, row });
  }
  return plan;
}
