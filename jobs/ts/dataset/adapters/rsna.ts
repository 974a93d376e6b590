import path from "node:path";
import type { DatasetAdapter, DatasetInput, DatasetPlan, PlannedImage } from "../types.ts";
import {
  columnTexts,
  filesTwoDeep,
  labelItem,
  notPlanned,
  plannedTable,
  problem,
  readCsvFrame,
  requiredText,
  rowAt,
} from "./common.ts";

/**
 * RSNA competition data (seed `stage1_process_rsna`): `train.csv` inner-merged with the DICOMs
 * on image_id, so the rows are train.csv's, in its order, with all its columns; images are
 * `train_images/{patient_id}/{image_id}.dcm`. The DICOM header columns (`__*`) are not carried.
 */
export const rsnaAdapter: DatasetAdapter = {
  name: "rsna-breast-cancer-detection",
  needsImageFacts: () => false,

  async plan(input: DatasetInput): Promise<DatasetPlan> {
    const labelFile = path.join(input.rawRoot, "train.csv");
    const frame = await readCsvFrame(labelFile);
    const columns = [...frame.columns.keys()];
    const texts = columnTexts(frame, columns);
    const plan: DatasetPlan = { dataset: this.name, columns, images: [], problems: [] };
    for (let i = 0; i < frame.length; i++) {
      const patientId = requiredText(frame.cell("patient_id", i));
      const imageId = requiredText(frame.cell("image_id", i));
      if (patientId === undefined || imageId === undefined) {
        plan.problems.push(problem("bad-label", `${labelFile}:${i + 2}`, "row has no patient_id or image_id"));
        continue;
      }
      if (frame.has("view") && frame.cell("view", i) === null) {
        plan.problems.push(
          problem("missing-view", labelItem(this.name, patientId, imageId), "the label row has no view"),
        );
        continue;
      }
      const image: PlannedImage = {
        patientId,
        imageId,
        file: path.join(input.rawRoot, "train_images", patientId, `${imageId}.dcm`),
        format: "dicom",
        row: rowAt(texts, i),
      };
      plan.images.push(image);
    }
    return plan;
  },

  table: plannedTable,

  async unlabelledImages(input, plan) {
    const files = await filesTwoDeep(path.join(input.rawRoot, "train_images"), (name) => name.endsWith(".dcm"));
    return notPlanned(plan, files);
  },
};
