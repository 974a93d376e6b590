import { readdir } from "node:fs/promises";
import path from "node:path";
import { sortByKeys } from "../order.ts";
import type { Cell } from "../pandas-values.ts";
import type { DatasetAdapter, DatasetInput, DatasetPlan, PlannedImage } from "../types.ts";
import {
  columnIndex,
  filesTwoDeep,
  listOrUndefined,
  plannedTable,
  problem,
  readCsvFrame,
  requiredText,
} from "./common.ts";
import { planFromCheckedIn, type SourceFinder } from "./seed-checked-in.ts";

const COLUMNS = [
  "patient_id",
  "laterality",
  "age",
  "density",
  "BIRADS",
  "biopsy_result",
  "folder_type",
  "view",
  "image_id",
  "cancer",
];
const KEPT_BIOPSIES = new Set(["NAN", "BENIGN", "DCIS", "MALIGNANT"]);
const CANCER_BIOPSIES = new Set(["MALIGNANT", "DCIS"]);

function caseFolder(rawRoot: string, folderType: string, dir: string): string {
  return path.join(rawRoot, "Dataset", folderType === "normal" ? "Normal_cases" : "Suspicious_cases", dir);
}

/** `os.listdir` entries the seed takes as images: names containing ".dcm" in any case. */
async function dicomNames(folder: string): Promise<string[] | undefined> {
  const names = await listOrUndefined(folder);
  return names?.filter((name) => name.toLowerCase().includes(".dcm"));
}

/** The two recent views (and none or two prior ones) each case folder must hold. */
function viewCountProblem(names: readonly string[]): string | undefined {
  const priors = names.filter((name) => name.includes("prior")).length;
  const recents = names.filter((name) => name.includes("recent")).length;
  if (recents === 2 && (priors === 0 || priors === 2)) return undefined;
  return `expected 2 recent and 0 or 2 prior DICOMs, found ${recents} recent and ${priors} prior (${names.join(", ") || "none"})`;
}

async function planGenerated(input: DatasetInput): Promise<DatasetPlan> {
  const labelFile = path.join(input.rawRoot, "label.csv");
  const frame = await readCsvFrame(labelFile);
  const texts = Object.fromEntries(
    ["laterality", "age", "density", "BIRADS", "folder_type"].map((name) => [name, frame.texts(name)]),
  ) as Record<string, string[]>;
  const biopsies: string[] = frame.column("biopsy_result").map((b: Cell) => (b === null ? "NAN" : String(b)));
  const plan: DatasetPlan = { dataset: "bmcd", columns: COLUMNS, images: [], problems: [] };
  const images: PlannedImage[] = [];
  for (let i = 0; i < frame.length; i++) {
    const biopsy = biopsies[i] as string;
    if (!KEPT_BIOPSIES.has(biopsy)) continue;
    const folderType = requiredText(frame.cell("folder_type", i));
    const dir = requiredText(frame.cell("dir", i));
    if (folderType === undefined || dir === undefined) {
      plan.problems.push(problem("bad-label", `${labelFile}:${i + 2}`, "row has no dir or folder_type"));
      continue;
    }
    const patientId = `${folderType}_${dir}`;
    const folder = caseFolder(input.rawRoot, folderType, dir);
    const names = await dicomNames(folder);
    if (names === undefined) {
      plan.problems.push(problem("label-without-image", folder, `case folder of ${patientId} does not exist`));
      continue;
    }
    const viewProblem = viewCountProblem(names);
    if (viewProblem) {
      plan.problems.push(problem("missing-view", folder, viewProblem));
      continue;
    }
    for (const fileName of names) {
      const name = fileName.split(".")[0] as string;
      // The cancer is in the recent images; the prior ones of a DCIS/MALIGNANT case are relabelled.
      const imageBiopsy = CANCER_BIOPSIES.has(biopsy) && name.includes("prior") ? "BENIGN/NORMAL" : biopsy;
      const imageId = `${folderType}_${dir}${name}`;
      images.push({
        patientId,
        imageId,
        file: path.join(folder, fileName),
        format: "dicom",
        row: [
          patientId,
          texts.laterality?.[i],
          texts.age?.[i],
          texts.density?.[i],
          texts.BIRADS?.[i],
          imageBiopsy,
          texts.folder_type?.[i],
          name.split("_")[0],
          imageId,
          CANCER_BIOPSIES.has(imageBiopsy) ? "1" : "0",
        ] as string[],
      });
    }
  }
  plan.images = sortByKeys(images, [(image) => image.patientId, (image) => image.imageId]);
  return plan;
}

/** The checked-in row's file: the case folder from folder_type and patient_id, the name after the patient id. */
function checkedInSourceFinder(input: DatasetInput, columns: readonly string[]): SourceFinder {
  const at = columnIndex({ columns: [...columns], rows: [] }, input.seedLabelsFile ?? "", ["folder_type"]);
  const listings = new Map<string, Promise<string[] | undefined>>();
  return async (patientId: string, imageId: string, row: readonly string[]) => {
    const folderType = row[at.folder_type as number] as string;
    const dir = patientId.slice(folderType.length + 1);
    const folder = caseFolder(input.rawRoot, folderType, dir);
    if (!listings.has(folder)) listings.set(folder, dicomNames(folder));
    const names = await listings.get(folder);
    if (names === undefined) return new Error(`case folder ${folder} does not exist`);
    const name = imageId.slice(patientId.length);
    const match = names.find((fileName) => fileName.split(".")[0] === name);
    return match === undefined ? new Error(`no DICOM '${name}.dcm' in ${folder}`) : path.join(folder, match);
  };
}

/**
 * BMCD (seed `stage1_process_bmcd`): `label.csv` (the seed's `assets/data/bmcd_raw_label.csv`),
 * biopsy NaN→'NAN', only NAN/BENIGN/DCIS/MALIGNANT cases; each case folder holds 2 recent and
 * optionally 2 prior DICOMs; prior images of DCIS/MALIGNANT cases are relabelled BENIGN/NORMAL;
 * `cancer = 1 iff biopsy ∈ {MALIGNANT, DCIS}`; rows sorted by (patient_id, image_id).
 */
export const bmcdAdapter: DatasetAdapter = {
  name: "bmcd",
  needsImageFacts: () => false,

  async plan(input: DatasetInput): Promise<DatasetPlan> {
    if (input.labels === "Generated") return planGenerated(input);
    return planFromCheckedIn("bmcd", input, "dicom", (columns) => checkedInSourceFinder(input, columns));
  },

  table: plannedTable,

  /** DICOMs in case folders that label.csv does not list (cases it lists but filters out are not errors). */
  async unlabelledImages(input) {
    const frame = await readCsvFrame(path.join(input.rawRoot, "label.csv"));
    const listed = new Set<string>();
    for (let i = 0; i < frame.length; i++) {
      const folderType = requiredText(frame.cell("folder_type", i));
      const dir = requiredText(frame.cell("dir", i));
      if (folderType !== undefined && dir !== undefined) listed.add(caseFolder(input.rawRoot, folderType, dir));
    }
    const files = await filesTwoDeep(path.join(input.rawRoot, "Dataset"), () => true);
    const unlisted: string[] = [];
    for (const caseDir of files) {
      if (listed.has(caseDir)) continue;
      const names = await readdir(caseDir).catch(() => [] as string[]);
      for (const name of names) if (name.toLowerCase().includes(".dcm")) unlisted.push(path.join(caseDir, name));
    }
    return unlisted.sort();
  },
};
