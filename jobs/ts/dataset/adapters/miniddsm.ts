import path from "node:path";
import type { Cell } from "../pandas-values.ts";
import type { DatasetAdapter, DatasetInput, DatasetPlan, DatasetProblem } from "../types.ts";
import { readSheet } from "../xlsx.ts";
import { filesTwoDeep, labelItem, listOrUndefined, notPlanned, plannedTable, problem } from "./common.ts";

const COLUMNS = ["patient_id", "image_id", "view", "laterality", "density", "age", "ddsm_ori_status", "cancer"];
const DENSITY_LETTER: Record<number, string> = { 0: "A", 1: "A", 2: "B", 3: "C", 4: "D" };
const IMAGES = "MINI-DDSM-Complete-PNG-16";

/** A breast has an annotation when its `Tumour_Contour` text is longer than 5 characters. */
function hasContour(cell: Cell): boolean {
  return typeof cell === "string" && cell.length > 5;
}

/**
 * The seed's breast-level label: Normal → 0 (an annotation is an error), Benign → 0, Cancer →
 * 1 only on the side with an annotation (cancer is labelled per patient in DDSM).
 */
export function miniddsmBreastCancer(statuses: readonly Cell[], contours: readonly Cell[]): number | string {
  const distinct = new Set(statuses);
  if (distinct.size !== 1) return `the breast has several statuses (${[...distinct].join(", ")})`;
  const annotated = contours.some(hasContour);
  const status = statuses[0];
  if (status === "Normal") return annotated ? "status Normal but the breast has a tumour contour" : 0;
  if (status === "Benign") return 0;
  if (status === "Cancer") return annotated ? 1 : 0;
  return `invalid Status '${status ?? ""}'`;
}

/**
 * MiniDDSM (seed `stage1_process_miniddsm`): `Data-MoreThanTwoMasks.xlsx` in its row order;
 * patient_id is fileName before the first '.', image_id `patient_id|Side|View`; 16-bit PNGs at
 * `MINI-DDSM-Complete-PNG-16/{Status}/{patient number}/{fileName}`.
 */
export const miniddsmAdapter: DatasetAdapter = {
  name: "miniddsm",
  needsImageFacts: () => false,

  async plan(input: DatasetInput): Promise<DatasetPlan> {
    const sheetFile = path.join(input.rawRoot, "Data-MoreThanTwoMasks", "Data-MoreThanTwoMasks.xlsx");
    const frame = await readSheet(sheetFile);
    const plan: DatasetPlan = { dataset: this.name, columns: COLUMNS, images: [], problems: [] };
    const patientIds = frame.column("fileName").map((name) => (typeof name === "string" ? name.split(".")[0] : null));
    const breasts = new Map<string, number[]>();
    for (let i = 0; i < frame.length; i++) {
      const patientId = patientIds[i];
      const side = frame.cell("Side", i);
      if (patientId === null || patientId === undefined || typeof side !== "string") continue;
      const breast = `${patientId}|${side}`;
      breasts.set(breast, [...(breasts.get(breast) ?? []), i]);
    }
    const cancerOf = new Map<string, number | string>();
    for (const [breast, rows] of breasts) {
      const status = rows.map((i) => frame.cell("Status", i));
      const contours = rows.map((i) => frame.cell("Tumour_Contour", i));
      cancerOf.set(breast, miniddsmBreastCancer(status, contours));
    }
    const ages = frame.texts("Age");
    for (let i = 0; i < frame.length; i++) {
      const patientId = patientIds[i];
      const fileName = frame.cell("fileName", i);
      const side = frame.cell("Side", i);
      const view = frame.cell("View", i);
      const status = frame.cell("Status", i);
      if (!patientId || typeof fileName !== "string" || typeof side !== "string" || typeof status !== "string") {
        plan.problems.push(problem("bad-label", `${sheetFile}:${i + 2}`, "row has no fileName, Side or Status"));
        continue;
      }
      const item = labelItem(this.name, patientId, `${patientId}|${side}|${view ?? ""}`);
      if (view === null) {
        plan.problems.push(problem("missing-view", item, "the label row has no View"));
        continue;
      }
      const imageId = `${patientId}|${side}|${view}`;
      const cancer = cancerOf.get(`${patientId}|${side}`);
      const density = frame.cell("Density", i);
      const letter = typeof density === "number" ? DENSITY_LETTER[density] : undefined;
      const issue: DatasetProblem | undefined =
        typeof cancer === "string"
          ? problem("bad-label", item, cancer)
          : letter === undefined
            ? problem("bad-label", item, `Density '${density ?? ""}' is not one of 0–4`)
            : undefined;
      if (issue) {
        plan.problems.push(issue);
        continue;
      }
      const patientNumber = patientId.split("_")[1] ?? "";
      plan.images.push({
        patientId,
        imageId,
        file: path.join(input.rawRoot, IMAGES, status, patientNumber, fileName),
        format: "png16",
        row: [patientId, imageId, String(view), side.slice(0, 1), letter, ages[i], status, String(cancer)] as string[],
      });
    }
    return plan;
  },

  table: plannedTable,

  async unlabelledImages(input, plan) {
    const root = path.join(input.rawRoot, IMAGES);
    const files: string[] = [];
    for (const status of (await listOrUndefined(root)) ?? []) {
      files.push(...(await filesTwoDeep(path.join(root, status), (name) => name.toLowerCase().endsWith(".png"))));
    }
    return notPlanned(plan, files);
  },
};
