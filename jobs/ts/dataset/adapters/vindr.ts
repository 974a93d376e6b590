import path from "node:path";
import type { Cell } from "../pandas-values.ts";
import { formatColumn } from "../pandas-values.ts";
import type { DatasetAdapter, DatasetInput, DatasetPlan } from "../types.ts";
import { filesTwoDeep, labelItem, notPlanned, plannedTable, problem, readCsvFrame, requiredText } from "./common.ts";

/** The label columns of the seed's VinDr CSV, in its order; `age` and `__*` come from DICOM headers and are not carried. */
const COLUMNS = ["patient_id", "series_id", "image_id", "laterality", "view", "BIRADS", "density", "split", "cancer"];

/** "BI-RADS 5" → 5 (`int(x.split()[-1])`). */
function biradsNumber(cell: Cell): number | undefined {
  if (typeof cell !== "string") return typeof cell === "number" && Number.isInteger(cell) ? cell : undefined;
  const last = cell.trim().split(/\s+/).at(-1) ?? "";
  return /^[+-]?\d+$/.test(last) ? Number(last) : undefined;
}

/**
 * VinDr-Mammo (seed `stage1_process_vindr`): `breast-level_annotations.csv` in its order, every
 * split; study_id is the patient; `cancer = 1 iff BIRADS == 5`; images are
 * `images/{study_id}/{image_id}.dicom`.
 */
export const vindrAdapter: DatasetAdapter = {
  name: "vindr",
  needsImageFacts: () => false,

  async plan(input: DatasetInput): Promise<DatasetPlan> {
    const labelFile = path.join(input.rawRoot, "breast-level_annotations.csv");
    const frame = await readCsvFrame(labelFile);
    const plan: DatasetPlan = { dataset: this.name, columns: COLUMNS, images: [], problems: [] };
    const birads = frame.column("breast_birads").map(biradsNumber);
    const density = frame
      .column("breast_density")
      .map((x) => (typeof x === "string" ? (x.trim().split(/\s+/).at(-1) ?? "") : x));
    const texts = {
      patient: frame.texts("study_id"),
      series: frame.texts("series_id"),
      image: frame.texts("image_id"),
      laterality: frame.texts("laterality"),
      view: frame.texts("view_position"),
      density: formatColumn(density),
      split: frame.texts("split"),
    };
    for (let i = 0; i < frame.length; i++) {
      const patientId = requiredText(frame.cell("study_id", i));
      const imageId = requiredText(frame.cell("image_id", i));
      if (patientId === undefined || imageId === undefined) {
        plan.problems.push(problem("bad-label", `${labelFile}:${i + 2}`, "row has no study_id or image_id"));
        continue;
      }
      const item = labelItem(this.name, patientId, imageId);
      const score = birads[i];
      if (score === undefined) {
        const raw = frame.cell("breast_birads", i);
        plan.problems.push(problem("bad-label", item, `breast_birads '${raw ?? ""}' is not 'BI-RADS <n>'`));
        continue;
      }
      if (frame.cell("view_position", i) === null) {
        plan.problems.push(problem("missing-view", item, "the label row has no view_position"));
        continue;
      }
      plan.images.push({
        patientId,
        imageId,
        file: path.join(input.rawRoot, "images", patientId, `${imageId}.dicom`),
        format: "dicom",
        row: [
          texts.patient[i],
          texts.series[i],
          texts.image[i],
          texts.laterality[i],
          texts.view[i],
          String(score),
          texts.density[i],
          texts.split[i],
          score === 5 ? "1" : "0",
        ] as string[],
      });
    }
    return plan;
  },

  table: plannedTable,

  async unlabelledImages(input, plan) {
    const files = await filesTwoDeep(path.join(input.rawRoot, "images"), (name) => name.endsWith(".dicom"));
    return notPlanned(plan, files);
  },
};
