import path from "node:path";
import type { DatasetAdapter, DatasetInput, DatasetPlan } from "../types.ts";
import { readSheet } from "../xlsx.ts";
import { labelItem, listOrUndefined, notPlanned, plannedTable, problem, requiredText } from "./common.ts";

const SHEET_FILE = "Radiology manual annotations.xlsx";
const IMAGES = "Low energy images of CDD-CESM";
const CLASSIFICATION = "Pathology Classification/ Follow up";

/** Output column ← sheet column, in the seed's order (cancer is appended). */
const SOURCE_COLUMNS: readonly [string, string][] = [
  ["patient_id", "Patient_ID"],
  ["image_id", "Image_name"],
  ["laterality", "Side"],
  ["view", "View"],
  ["image_name", "Image_name"],
  ["age", "Age"],
  ["density", "Breast density (ACR)"],
  ["BIRADS", "BIRADS"],
  ["findings", "Findings"],
  ["tags", "Tags"],
  ["machine_id", "Machine"],
  ["classification", CLASSIFICATION],
  ["Type", "Type"],
];

/** image_id of a sheet row: Image_name without `DM_`/`CM_` (every occurrence, as str.replace). */
function unstrippedImageId(imageName: string): string {
  return imageName.replaceAll("DM_", "").replaceAll("CM_", "");
}

/** The low-energy JPEG of an image id: `L_`/`R_` become `L_DM_`/`R_DM_`. */
export function cddcesmImageName(imageId: string): string {
  return `${imageId.replaceAll("L_", "L_DM_").replaceAll("R_", "R_DM_")}.jpg`;
}

/**
 * CDD-CESM (seed `stage1_process_cddcesm`): sheet `all` in its row order, low-energy (`DM`)
 * rows only; `cancer = 1 iff 'Pathology Classification/ Follow up' == 'Malignant'`; 8-bit
 * JPEGs in `Low energy images of CDD-CESM/`.
 */
export const cddcesmAdapter: DatasetAdapter = {
  name: "cddcesm",
  needsImageFacts: () => false,

  async plan(input: DatasetInput): Promise<DatasetPlan> {
    const sheetFile = path.join(input.rawRoot, SHEET_FILE);
    const frame = await readSheet(sheetFile, "all");
    const columns = [...SOURCE_COLUMNS.map(([name]) => name), "cancer"];
    const plan: DatasetPlan = { dataset: this.name, columns, images: [], problems: [] };
    const names = frame.column("Image_name");
    const ids = names.map((name) => (typeof name === "string" ? unstrippedImageId(name) : null));
    // The seed asserts that an image called Malignant in one row (DM or CM) is Malignant in all.
    const inconsistent = new Set<string>();
    const classesOf = new Map<string, unknown[]>();
    for (let i = 0; i < frame.length; i++) {
      const id = ids[i];
      if (id) classesOf.set(id, [...(classesOf.get(id) ?? []), frame.cell(CLASSIFICATION, i)]);
    }
    for (const [id, classes] of classesOf) {
      if (classes[0] === "Malignant" && new Set(classes).size !== 1) inconsistent.add(id);
    }
    const texts = SOURCE_COLUMNS.map(([, source]) => frame.texts(source));
    for (let i = 0; i < frame.length; i++) {
      if (frame.cell("Type", i) !== "DM") continue;
      const id = ids[i];
      const patientId = requiredText(frame.cell("Patient_ID", i));
      if (!id || patientId === undefined) {
        plan.problems.push(problem("bad-label", `${sheetFile}:${i + 2}`, "DM row has no Image_name or Patient_ID"));
        continue;
      }
      const imageId = id.trim();
      const item = labelItem(this.name, patientId, imageId);
      if (inconsistent.has(id)) {
        plan.problems.push(problem("bad-label", item, `rows of ${id} disagree on Malignant`));
        continue;
      }
      if (frame.cell("View", i) === null) {
        plan.problems.push(problem("missing-view", item, "the label row has no View"));
        continue;
      }
      const row = texts.map((column) => column[i] as string);
      row[1] = imageId;
      row.push(frame.cell(CLASSIFICATION, i) === "Malignant" ? "1" : "0");
      plan.images.push({
        patientId,
        imageId,
        file: path.join(input.rawRoot, IMAGES, cddcesmImageName(imageId)),
        format: "jpeg8",
        row,
      });
    }
    return plan;
  },

  table: plannedTable,

  async unlabelledImages(input, plan) {
    const dir = path.join(input.rawRoot, IMAGES);
    const names = (await listOrUndefined(dir)) ?? [];
    const jpegs = names.filter((name) => /_DM_.*\.jpe?g$/i.test(name)).map((name) => path.join(dir, name));
    return notPlanned(plan, jpegs);
  },
};
