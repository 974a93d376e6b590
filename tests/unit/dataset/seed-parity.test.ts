import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DATASET_ADAPTERS } from "../../../jobs/ts/dataset/adapters/index.ts";
import { parseCsv } from "../../../jobs/ts/dataset/csv.ts";
import { sortByKeys } from "../../../jobs/ts/dataset/order.ts";
import type { DatasetInput, DatasetPlan, ImageFacts } from "../../../jobs/ts/dataset/types.ts";
import { readDicomHeader } from "../../../jobs/ts/dicom/index.ts";
import { type DicomSpec, touch, writeDicoms, writeText } from "./support/raw-files.ts";

// The seed's label rules, run on its raw label files, must give the rows of its checked-in
// cleaned labels (docs/seed-pipeline.md#classification-datasets). The checked-in files are in the author's os.listdir order;
// the seed's code sorts by (patient_id, image_id), so both sides are compared in that order.

const ASSETS = path.resolve(import.meta.dirname, "../../../assets/data");

async function checkedIn(name: string, columns: readonly string[]) {
  const table = parseCsv(await readFile(path.join(ASSETS, name), "utf8"), name);
  const at = columns.map((column) => table.columns.indexOf(column));
  const rows = table.rows.map((row) => at.map((i) => row[i] as string));
  return sortByKeys(rows, [
    (r) => r[columns.indexOf("patient_id")] as string,
    (r) => r[columns.indexOf("image_id")] as string,
  ]);
}

function project(columns: readonly string[], wanted: readonly string[], rows: readonly string[][]): string[][] {
  const at = wanted.map((column) => columns.indexOf(column));
  return rows.map((row) => at.map((i) => row[i] as string));
}

describe("BMCD labels from bmcd_raw_label.csv", () => {
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
  let input: DatasetInput;

  beforeAll(async () => {
    const root = await mkdtemp(path.join(tmpdir(), "mammoflow-bmcd-"));
    input = { name: "bmcd", rawRoot: root, labels: "Generated" };
    await writeText(path.join(root, "label.csv"), await readFile(path.join(ASSETS, "bmcd_raw_label.csv"), "utf8"));
    // Every image the checked-in CSV names, as Dataset/<Normal|Suspicious>_cases/<dir>/<view>_<time>.dcm.
    for (const [patientId, , , , , , folderType, , imageId] of await checkedIn("bmcd_cleaned_label.csv", COLUMNS)) {
      const dir = (patientId as string).slice((folderType as string).length + 1);
      const parent = folderType === "normal" ? "Normal_cases" : "Suspicious_cases";
      await touch(
        path.join(root, "Dataset", parent, dir, `${(imageId as string).slice((patientId as string).length)}.dcm`),
      );
    }
  });

  it("gives every label column of bmcd_cleaned_label.csv (328 rows, 22 cancers) with no problem", async () => {
    const plan = await DATASET_ADAPTERS.bmcd.plan(input);
    const facts = new Map(plan.images.map((image) => [`${image.patientId}@${image.imageId}`, {}]));
    const table = await DATASET_ADAPTERS.bmcd.table(input, plan, facts);
    expect(table.columns).toEqual(COLUMNS);
    expect(table.rows).toHaveLength(328);
    expect(table.rows.filter((row) => row[9] === "1")).toHaveLength(22);
    expect(table.rows).toEqual(await checkedIn("bmcd_cleaned_label.csv", COLUMNS));
    expect(plan.problems).toEqual([]);
    expect(await DATASET_ADAPTERS.bmcd.unlabelledImages(input, plan)).toEqual([]);
  });
});

describe("CMMD labels from cmmd_raw_label.csv and the DICOMs' ImageLaterality", () => {
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
  /** Patients whose files the test writes: both sides labelled, one side only (D2-0138, D2-0042), a cancer. */
  const PATIENTS = ["D1-0001", "D1-0002", "D1-0510", "D1-0830", "D1-0847", "D1-1275", "D2-0035", "D2-0042", "D2-0138"];
  let input: DatasetInput;
  let plan: DatasetPlan;
  let expected: string[][];

  beforeAll(async () => {
    const root = await mkdtemp(path.join(tmpdir(), "mammoflow-cmmd-"));
    input = { name: "cmmd", rawRoot: root, labels: "Generated" };
    await writeText(path.join(root, "label.csv"), await readFile(path.join(ASSETS, "cmmd_raw_label.csv"), "utf8"));
    expected = (await checkedIn("cmmd_cleaned_label.csv", COLUMNS)).filter((row) =>
      PATIENTS.includes(row[0] as string),
    );
    const specs: DicomSpec[] = expected.map(([patientId, imageId, laterality]) => ({
      path: path.join(
        root,
        "CMMD",
        patientId as string,
        "07-18-2010-1",
        "1.000000-1",
        `${(imageId as string).slice((patientId as string).length + 1)}.dcm`,
      ),
      rows: 2,
      columns: 2,
      values: [0, 64, 128, 255],
      bits: 8,
      laterality: laterality as "L" | "R",
      center: 128,
      width: 256,
      voi: "SIGMOID",
    }));
    writeDicoms(specs);
    plan = await DATASET_ADAPTERS.cmmd.plan(input);
  });

  it("gives the checked-in rows of the patients whose files exist", async () => {
    const facts = new Map<string, ImageFacts>();
    for (const image of plan.images) {
      const { header } = readDicomHeader(await readFile(image.file));
      facts.set(`${image.patientId}@${image.imageId}`, header.laterality ? { laterality: header.laterality } : {});
    }
    const table = await DATASET_ADAPTERS.cmmd.table(input, plan, facts);
    expect(expected).toHaveLength(26);
    expect(project(table.columns, COLUMNS, table.rows)).toEqual(expected);
    expect(table.rows.find((row) => row[1] === "D2-0138_1-1")).toEqual([
      "D2-0138",
      "D2-0138_1-1",
      "L",
      "",
      "0",
      "",
      "",
      "Normal",
      "",
    ]);
    expect(table.problems).toEqual([]);
  });

  it("reports every other labelled patient as a label without images", () => {
    expect(plan.problems).toHaveLength(1775 - PATIENTS.length);
    expect(plan.problems.every((p) => p.kind === "label-without-image")).toBe(true);
    expect(plan.problems[0]?.item).toBe("cmmd:D1-0003@*");
  });
});
