import path from "node:path";
import { sortByKeys } from "../order.ts";
import { type Frame, formatColumn } from "../pandas-values.ts";
import {
  type DatasetAdapter,
  type DatasetInput,
  type DatasetPlan,
  type DatasetProblem,
  type ImageFacts,
  imageKey,
  type LabelTable,
} from "../types.ts";
import { labelItem, listOrUndefined, notPlanned, plannedTable, problem, readCsvFrame, requiredText } from "./common.ts";
import { planFromCheckedIn, type SourceFinder } from "./seed-checked-in.ts";

const COLUMNS = [
  "patient_id",
  "image_id",
  "laterality",
  "age",
  "cancer",
  "_num_images",
  "abnormality",
  "classification",
  "subtype",
];

/**
 * A patient's DICOM folder: `CMMD/{patient}/{study}/{series}`, exactly one study and one series
 * (the seed asserts both), or why not.
 */
async function seriesFolder(rawRoot: string, patientId: string): Promise<string | Error> {
  let folder = path.join(rawRoot, "CMMD", patientId);
  for (const level of ["study", "series"]) {
    const entries = await listOrUndefined(folder);
    if (entries === undefined) return new Error(`folder ${folder} does not exist`);
    if (entries.length !== 1) {
      return new Error(`expected one ${level} folder in ${folder}, found ${entries.length} (${entries.join(", ")})`);
    }
    folder = path.join(folder, entries[0] as string);
  }
  return folder;
}

/** `image_id = {patient}_{file name before ".dcm"}`. */
function imageIdOf(patientId: string, fileName: string): string {
  return `${patientId}_${fileName.split(".dcm")[0]}`;
}

async function planGenerated(input: DatasetInput): Promise<DatasetPlan> {
  const labelFile = path.join(input.rawRoot, "label.csv");
  const frame = await readCsvFrame(labelFile);
  const plan: DatasetPlan = { dataset: "cmmd", columns: COLUMNS, images: [], problems: [] };
  // The seed walks `groupby('ID1')`: each labelled patient once, in sorted order.
  const patients = [...new Set(frame.column("ID1").map(requiredText))].filter((p): p is string => p !== undefined);
  for (const patientId of sortByKeys(patients, [(p) => p])) {
    const folder = await seriesFolder(input.rawRoot, patientId);
    if (folder instanceof Error) {
      plan.problems.push(problem("label-without-image", labelItem("cmmd", patientId, "*"), folder.message));
      continue;
    }
    const names = ((await listOrUndefined(folder)) ?? []).filter((name) => name.split(".").at(-1) === "dcm");
    for (const name of names) {
      plan.images.push({
        patientId,
        imageId: imageIdOf(patientId, name),
        file: path.join(folder, name),
        format: "dicom",
      });
    }
  }
  return plan;
}

/**
 * The seed's outer merge of the images (laterality from their DICOM headers) with label.csv on
 * (patient, laterality): a side without a label row is Normal (cancer 0, label fields empty); a
 * label row without an image is reported. Sorted by (patient_id, image_id).
 */
export function cmmdGeneratedTable(
  labels: Frame,
  images: readonly { patientId: string; imageId: string; laterality?: string }[],
  plannedPatients: ReadonlySet<string>,
): LabelTable {
  const problems: DatasetProblem[] = [];
  const labelRowsOf = new Map<string, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const key = `${requiredText(labels.cell("ID1", i))}|${requiredText(labels.cell("LeftRight", i))}`;
    labelRowsOf.set(key, [...(labelRowsOf.get(key) ?? []), i]);
  }
  const matched = new Set<string>();
  type Merged = { patientId: string; imageId: string; laterality: string; label?: number };
  const merged: Merged[] = [];
  for (const image of images) {
    if (image.laterality === undefined) {
      problems.push(
        problem("bad-label", labelItem("cmmd", image.patientId, image.imageId), "the DICOM has no ImageLaterality"),
      );
      continue;
    }
    const key = `${image.patientId}|${image.laterality}`;
    const rows = labelRowsOf.get(key);
    if (!rows) merged.push({ patientId: image.patientId, imageId: image.imageId, laterality: image.laterality });
    for (const label of rows ?? []) {
      matched.add(key);
      merged.push({ patientId: image.patientId, imageId: image.imageId, laterality: image.laterality, label });
    }
  }
  for (const [key, rows] of labelRowsOf) {
    const [patientId, side] = key.split("|") as [string, string];
    // A patient without a series folder is reported by the plan already.
    if (matched.has(key) || !plannedPatients.has(patientId)) continue;
    problems.push(
      problem(
        "label-without-image",
        labelItem("cmmd", patientId, `*|${side}`),
        `label.csv rows ${rows.map((r) => r + 2).join(", ")} match no image of side ${side}`,
      ),
    );
  }
  const pick = (name: string) => {
    const column = labels.column(name);
    return merged.map((m) => (m.label === undefined ? null : (column[m.label] ?? null)));
  };
  // A label column keeps its dtype through the merge, and one the merge leaves gaps in becomes
  // float64 (an age is then written "63.0").
  const merge = (name: string) => formatColumn(pick(name), labels.floatColumns.has(name));
  const classification = pick("classification").map((c) => c ?? "Normal");
  const columns = [
    merged.map((m) => m.patientId),
    merged.map((m) => m.imageId),
    merged.map((m) => m.laterality),
    merge("Age"),
    classification.map((c) => (c === "Malignant" ? "1" : "0")),
    merge("number"),
    merge("abnormality"),
    formatColumn(classification),
    merge("subtype"),
  ];
  const rows = merged.map((_, i) => columns.map((column) => column[i] as string));
  const cancerOf = new Map<string, Set<string>>();
  for (const row of rows) {
    const breast = `${row[0]}|${row[2]}`;
    cancerOf.set(breast, (cancerOf.get(breast) ?? new Set()).add(row[4] as string));
  }
  for (const [breast, values] of cancerOf) {
    if (values.size > 1)
      problems.push(problem("bad-label", `cmmd:${breast}`, "label.csv gives the breast both cancer 0 and 1"));
  }
  return { columns: COLUMNS, rows: sortByKeys(rows, [(r) => r[0] as string, (r) => r[1] as string]), problems };
}

/** The checked-in row's file: `CMMD/{patient}/{study}/{series}/{image_id without "{patient}_"}.dcm`. */
function checkedInSourceFinder(input: DatasetInput): SourceFinder {
  const folders = new Map<string, Promise<string | Error>>();
  return async (patientId, imageId) => {
    let pending = folders.get(patientId);
    if (!pending) {
      pending = seriesFolder(input.rawRoot, patientId);
      folders.set(patientId, pending);
    }
    const folder = await pending;
    if (folder instanceof Error) return folder;
    return path.join(folder, `${imageId.slice(patientId.length + 1)}.dcm`);
  };
}

/**
 * CMMD (seed `stage1_process_cmmd`): the images of each patient label.csv names, laterality
 * from each DICOM's ImageLaterality, outer-merged with label.csv on (patient, laterality);
 * `cancer = 1 iff classification == 'Malignant'` (no label → Normal → 0).
 */
export const cmmdAdapter: DatasetAdapter = {
  name: "cmmd",
  needsImageFacts: (input) => input.labels === "Generated",

  async plan(input: DatasetInput): Promise<DatasetPlan> {
    if (input.labels === "Generated") return planGenerated(input);
    return planFromCheckedIn("cmmd", input, "dicom", () => checkedInSourceFinder(input));
  },

  async table(input: DatasetInput, plan: DatasetPlan, facts: ReadonlyMap<string, ImageFacts>): Promise<LabelTable> {
    if (input.labels !== "Generated") return plannedTable(input, plan, facts);
    const labels = await readCsvFrame(path.join(input.rawRoot, "label.csv"));
    const images = plan.images.flatMap((image) => {
      const fact = facts.get(imageKey(image));
      if (!fact) return [];
      return [
        {
          patientId: image.patientId,
          imageId: image.imageId,
          ...(fact.laterality ? { laterality: fact.laterality } : {}),
        },
      ];
    });
    return cmmdGeneratedTable(labels, images, new Set(plan.images.map((image) => image.patientId)));
  },

  async unlabelledImages(input, plan) {
    const labelled = new Set(plan.images.map((image) => image.patientId));
    const frame = await readCsvFrame(path.join(input.rawRoot, "label.csv"));
    for (const id of frame.column("ID1")) if (id !== null) labelled.add(String(id));
    const unlabelled: string[] = [];
    for (const patientId of (await listOrUndefined(path.join(input.rawRoot, "CMMD"))) ?? []) {
      if (labelled.has(patientId)) continue;
      const folder = await seriesFolder(input.rawRoot, patientId);
      if (folder instanceof Error) {
        unlabelled.push(path.join(input.rawRoot, "CMMD", patientId));
        continue;
      }
      const names = (await listOrUndefined(folder)) ?? [];
      unlabelled.push(
        ...notPlanned(
          plan,
          names.map((name) => path.join(folder, name)),
        ),
      );
    }
    return unlabelled;
  },
};
