import { stat } from "node:fs/promises";
import path from "node:path";
import { type CsvTable, parseCsv, requireColumns } from "./csv.ts";

/** One image to score: a row of the competition's test.csv. */
export interface TestImage {
  patientId: string;
  imageId: string;
  laterality: string;
  /** `patient_id_laterality` unless test.csv gives one (docs/seed-pipeline.md#aggregation). */
  predictionId: string;
}

/** The rows of a competition-style test.csv (at least patient_id, image_id, laterality). */
export function testImagesFromCsv(text: string, file: string): TestImage[] {
  const table: CsvTable = parseCsv(text, file);
  requireColumns(table, file, ["patient_id", "image_id", "laterality"]);
  return table.rows.map((row, i) => {
    const image = {
      patientId: (row.patient_id as string).trim(),
      imageId: (row.image_id as string).trim(),
      laterality: (row.laterality as string).trim(),
    };
    if (!image.patientId || !image.imageId || !image.laterality) {
      throw new Error(`${file}: line ${i + 2} has an empty patient_id, image_id or laterality`);
    }
    const given = row.prediction_id?.trim();
    return { ...image, predictionId: given || `${image.patientId}_${image.laterality}` };
  });
}

/** Shard `index` of `count`: a contiguous block of rows, the same on every run. */
export function shardOf<T>(items: readonly T[], index: number, count: number): T[] {
  if (!(Number.isInteger(index) && Number.isInteger(count) && count >= 1 && index >= 0 && index < count)) {
    throw new RangeError(`shard ${index} of ${count} does not exist`);
  }
  const start = Math.floor((index * items.length) / count);
  const end = Math.floor(((index + 1) * items.length) / count);
  return items.slice(start, end);
}

/** The image's file: `DIR/<patient_id>/<image_id>.dcm` (competition layout) or `DIR/<image_id>.dcm`. */
export async function locateImage(imagesDir: string, image: TestImage): Promise<string> {
  const candidates = [
    path.join(imagesDir, image.patientId, `${image.imageId}.dcm`),
    path.join(imagesDir, `${image.imageId}.dcm`),
  ];
  for (const candidate of candidates) {
    if (
      await stat(candidate).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return candidate;
  }
  throw new Error(`no DICOM file for image ${image.imageId}: looked for ${candidates.join(" and ")}`);
}
