import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { DATASET_ADAPTERS } from "../../../jobs/ts/dataset/adapters/index.ts";
import type { DatasetInput, DatasetName, DatasetPlan, ImageFacts } from "../../../jobs/ts/dataset/types.ts";
import { CDD_CESM_COLUMNS, touch, writeText, writeWorkbook } from "./support/raw-files.ts";

let root: string;
const input = (name: DatasetName): DatasetInput => ({ name, rawRoot: path.join(root, name), labels: "Generated" });
const raw = (name: DatasetName, ...parts: string[]) => path.join(root, name, ...parts);
const relative = (plan: DatasetPlan) =>
  plan.images.map((image) => path.relative(path.join(root, plan.dataset), image.file));
/** Every planned image cropped; `laterality` gives CMMD's DICOM facts. */
const allCropped = (plan: DatasetPlan, laterality: Record<string, string> = {}) =>
  new Map<string, ImageFacts>(
    plan.images.map((image) => {
      const key = `${image.patientId}@${image.imageId}`;
      const side = laterality[image.imageId];
      return [key, side ? { laterality: side } : {}];
    }),
  );

async function planAndTable(name: DatasetName, facts?: Record<string, string>) {
  const adapter = DATASET_ADAPTERS[name];
  const plan = await adapter.plan(input(name));
  const table = await adapter.table(input(name), plan, allCropped(plan, facts));
  const unlabelled = (await adapter.unlabelledImages(input(name), plan)).map((f) => path.relative(raw(name), f));
  return { plan, table, unlabelled };
}

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "mammoflow-dataset-"));
});

describe("RSNA competition data", () => {
  it("keeps train.csv's rows, order and columns, with pandas' texts, and reports the gaps", async () => {
    await writeText(
      raw("rsna-breast-cancer-detection", "train.csv"),
      [
        "site_id,patient_id,image_id,laterality,view,age,cancer,biopsy,invasive,BIRADS,implant,density,machine_id,difficult_negative_case",
        "2,10006,462822612,L,CC,61.0,0,0,0,,0,,29,False",
        "2,10006,1459541791,L,MLO,61.0,0,0,0,,0,,29,False",
        "2,10011,220375232,R,CC,55.0,1,1,1,0,0,B,21,True",
        "2,10011,270344397,R,,55.0,1,1,1,0,0,B,21,True",
      ].join("\n"),
    );
    for (const file of ["10006/462822612.dcm", "10006/1459541791.dcm", "10011/220375232.dcm", "10011/999.dcm"]) {
      await touch(raw("rsna-breast-cancer-detection", "train_images", file));
    }
    const { plan, table, unlabelled } = await planAndTable("rsna-breast-cancer-detection");
    expect(relative(plan)).toEqual([
      "train_images/10006/462822612.dcm",
      "train_images/10006/1459541791.dcm",
      "train_images/10011/220375232.dcm",
    ]);
    expect(table.columns).toHaveLength(14);
    expect(table.rows).toEqual([
      ["2", "10006", "462822612", "L", "CC", "61.0", "0", "0", "0", "", "0", "", "29", "False"],
      ["2", "10006", "1459541791", "L", "MLO", "61.0", "0", "0", "0", "", "0", "", "29", "False"],
      ["2", "10011", "220375232", "R", "CC", "55.0", "1", "1", "1", "0.0", "0", "B", "21", "True"],
    ]);
    expect(plan.problems).toEqual([
      {
        kind: "missing-view",
        item: "rsna-breast-cancer-detection:10011@270344397",
        message: "the label row has no view",
      },
    ]);
    expect(unlabelled).toEqual(["train_images/10011/999.dcm"]);
  });
});

describe("VinDr-Mammo", () => {
  it("maps study to patient, BI-RADS 5 to cancer, and refuses an unreadable BI-RADS", async () => {
    await writeText(
      raw("vindr", "breast-level_annotations.csv"),
      [
        "study_id,series_id,image_id,laterality,view_position,height,width,breast_birads,breast_density,split",
        "s1,se1,i1,L,CC,3518,2800,BI-RADS 1,DENSITY C,training",
        "s1,se1,i2,R,MLO,3518,2800,BI-RADS 5,DENSITY C,training",
        "s2,se2,i3,L,CC,3518,2800,BI-RADS x,DENSITY B,test",
      ].join("\n"),
    );
    await touch(raw("vindr", "images", "s1", "i1.dicom"));
    await touch(raw("vindr", "images", "s1", "i2.dicom"));
    await touch(raw("vindr", "images", "s9", "i9.dicom"));
    const { plan, table, unlabelled } = await planAndTable("vindr");
    expect(relative(plan)).toEqual(["images/s1/i1.dicom", "images/s1/i2.dicom"]);
    expect(table.columns).toEqual([
      "patient_id",
      "series_id",
      "image_id",
      "laterality",
      "view",
      "BIRADS",
      "density",
      "split",
      "cancer",
    ]);
    expect(table.rows).toEqual([
      ["s1", "se1", "i1", "L", "CC", "1", "C", "training", "0"],
      ["s1", "se1", "i2", "R", "MLO", "5", "C", "training", "1"],
    ]);
    expect(plan.problems).toEqual([
      { kind: "bad-label", item: "vindr:s2@i3", message: "breast_birads 'BI-RADS x' is not 'BI-RADS <n>'" },
    ]);
    expect(unlabelled).toEqual(["images/s9/i9.dicom"]);
  });
});

describe("MiniDDSM", () => {
  it("labels a breast by its status and contour, as the seed does, from the xlsx", async () => {
    const header = [
      "fullPath",
      "fileName",
      "View",
      "Side",
      "Status",
      "Tumour_Contour",
      "Tumour_Contour2",
      "Age",
      "Density",
    ];
    await writeWorkbook(raw("miniddsm", "Data-MoreThanTwoMasks", "Data-MoreThanTwoMasks.xlsx"), {
      Sheet1: [
        header,
        ["x", "A_0001_1.LEFT_CC.png", "CC", "LEFT", "Cancer", "[(10, 20), (30, 40)]", null, 60, 2],
        ["x", "A_0001_1.LEFT_MLO.png", "MLO", "LEFT", "Cancer", null, null, 60, 2],
        ["x", "A_0001_1.RIGHT_CC.png", "CC", "RIGHT", "Cancer", "-", null, 60, 2],
        ["x", "B_0002_1.LEFT_CC.png", "CC", "LEFT", "Benign", "[(1, 2), (3, 4)]", null, 55, 0],
        ["x", "C_0003_1.LEFT_CC.png", "CC", "LEFT", "Normal", "[(1, 2), (3, 4)]", null, 50, 4],
        ["x", "C_0004_1.LEFT_CC.png", null, "LEFT", "Normal", null, null, 50, 4],
      ],
    });
    await touch(raw("miniddsm", "MINI-DDSM-Complete-PNG-16", "Normal", "0005", "C_0005_1.LEFT_CC.png"));
    await touch(raw("miniddsm", "MINI-DDSM-Complete-PNG-16", "Cancer", "0001", "A_0001_1.LEFT_CC.png"));
    const { plan, table, unlabelled } = await planAndTable("miniddsm");
    expect(relative(plan)).toEqual([
      "MINI-DDSM-Complete-PNG-16/Cancer/0001/A_0001_1.LEFT_CC.png",
      "MINI-DDSM-Complete-PNG-16/Cancer/0001/A_0001_1.LEFT_MLO.png",
      "MINI-DDSM-Complete-PNG-16/Cancer/0001/A_0001_1.RIGHT_CC.png",
      "MINI-DDSM-Complete-PNG-16/Benign/0002/B_0002_1.LEFT_CC.png",
    ]);
    expect(table.rows).toEqual([
      ["A_0001_1", "A_0001_1|LEFT|CC", "CC", "L", "B", "60", "Cancer", "1"],
      ["A_0001_1", "A_0001_1|LEFT|MLO", "MLO", "L", "B", "60", "Cancer", "1"],
      ["A_0001_1", "A_0001_1|RIGHT|CC", "CC", "R", "B", "60", "Cancer", "0"],
      ["B_0002_1", "B_0002_1|LEFT|CC", "CC", "L", "A", "55", "Benign", "0"],
    ]);
    expect(plan.problems).toEqual([
      {
        kind: "bad-label",
        item: "miniddsm:C_0003_1@C_0003_1|LEFT|CC",
        message: "status Normal but the breast has a tumour contour",
      },
      { kind: "missing-view", item: "miniddsm:C_0004_1@C_0004_1|LEFT|", message: "the label row has no View" },
    ]);
    expect(unlabelled).toEqual(["MINI-DDSM-Complete-PNG-16/Normal/0005/C_0005_1.LEFT_CC.png"]);
  });
});

describe("CDD-CESM", () => {
  it("keeps the low-energy rows, strips ids, finds the DM JPEG and checks Malignant agreement", async () => {
    await writeWorkbook(raw("cddcesm", "Radiology manual annotations.xlsx"), {
      notes: [["ignored"]],
      all: [
        CDD_CESM_COLUMNS,
        ["P1_L_DM_CC", 1, "L", "DM", 40, "C", 2, null, "CC", null, 1, "Normal"],
        ["P1_L_CM_CC", 1, "L", "CESM", 40, "C", 2, null, "CC", null, 1, "Normal"],
        ["P2_R_DM_MLO ", 2, "R", "DM", 51, "B", "4A", "mass", "MLO", "x", 2, "Malignant"],
        ["P2_R_CM_MLO", 2, "R", "CESM", 51, "B", "4A", "mass", "MLO", "x", 2, "Malignant"],
        ["P3_L_DM_CC", 3, "L", "DM", null, "A", 5, "mass", "CC", null, 1, "Malignant"],
        ["P3_L_CM_CC", 3, "L", "CESM", null, "A", 5, "mass", "CC", null, 1, "Benign"],
      ],
    });
    const images = "Low energy images of CDD-CESM";
    for (const name of ["P1_L_DM_CC.jpg", "P2_R_DM_MLO.jpg", "P9_R_DM_CC.jpg"])
      await touch(raw("cddcesm", images, name));
    const { plan, table, unlabelled } = await planAndTable("cddcesm");
    expect(relative(plan)).toEqual([`${images}/P1_L_DM_CC.jpg`, `${images}/P2_R_DM_MLO.jpg`]);
    expect(table.columns).toEqual([
      "patient_id",
      "image_id",
      "laterality",
      "view",
      "image_name",
      "age",
      "density",
      "BIRADS",
      "findings",
      "tags",
      "machine_id",
      "classification",
      "Type",
      "cancer",
    ]);
    expect(table.rows).toEqual([
      ["1", "P1_L_CC", "L", "CC", "P1_L_DM_CC", "40.0", "C", "2", "", "", "1", "Normal", "DM", "0"],
      ["2", "P2_R_MLO", "R", "MLO", "P2_R_DM_MLO ", "51.0", "B", "4A", "mass", "x", "2", "Malignant", "DM", "1"],
    ]);
    expect(plan.problems).toEqual([
      { kind: "bad-label", item: "cddcesm:3@P3_L_CC", message: "rows of P3_L_CC disagree on Malignant" },
    ]);
    expect(unlabelled).toEqual([`${images}/P9_R_DM_CC.jpg`]);
  });
});

describe("BMCD (Generated)", () => {
  it("lists each case folder, relabels the prior images of cancers, sorts by patient and image", async () => {
    await writeText(
      raw("bmcd", "label.csv"),
      [
        "dir,laterality,age,density,BIRADS,biopsy_result,folder_type",
        "1,Right,57,b,4a,BENIGN,suspicious",
        "4,Left,55,c,4a,NOT AVAILABLE,suspicious",
        "6,Left,50,b,5,MALIGNANT,suspicious",
        "1,Left,66,a,1,,normal",
        "2,Right,60,a,1,,normal",
        "3,Right,61,a,1,,normal",
      ].join("\r\n"),
    );
    const cases = {
      "Suspicious_cases/1": ["MLO_recent.dcm", "CC_recent.dcm", "MLO_prior.dcm", "CC_prior.dcm"],
      "Suspicious_cases/4": ["MLO_recent.dcm", "CC_recent.dcm"],
      "Suspicious_cases/6": ["CC_recent.DCM", "MLO_recent.DCM", "CC_prior.DCM", "MLO_prior.DCM", "notes.txt"],
      "Normal_cases/1": ["MLO_recent.dcm", "CC_recent.dcm"],
      "Normal_cases/2": ["CC_recent.dcm"],
      "Suspicious_cases/99": ["CC_recent.dcm"],
    };
    for (const [folder, names] of Object.entries(cases)) {
      for (const name of names) await touch(raw("bmcd", "Dataset", folder, name));
    }
    const { plan, table, unlabelled } = await planAndTable("bmcd");
    expect(table.rows).toEqual([
      ["normal_1", "Left", "66", "a", "1", "NAN", "normal", "CC", "normal_1CC_recent", "0"],
      ["normal_1", "Left", "66", "a", "1", "NAN", "normal", "MLO", "normal_1MLO_recent", "0"],
      ["suspicious_1", "Right", "57", "b", "4a", "BENIGN", "suspicious", "CC", "suspicious_1CC_prior", "0"],
      ["suspicious_1", "Right", "57", "b", "4a", "BENIGN", "suspicious", "CC", "suspicious_1CC_recent", "0"],
      ["suspicious_1", "Right", "57", "b", "4a", "BENIGN", "suspicious", "MLO", "suspicious_1MLO_prior", "0"],
      ["suspicious_1", "Right", "57", "b", "4a", "BENIGN", "suspicious", "MLO", "suspicious_1MLO_recent", "0"],
      ["suspicious_6", "Left", "50", "b", "5", "BENIGN/NORMAL", "suspicious", "CC", "suspicious_6CC_prior", "0"],
      ["suspicious_6", "Left", "50", "b", "5", "MALIGNANT", "suspicious", "CC", "suspicious_6CC_recent", "1"],
      ["suspicious_6", "Left", "50", "b", "5", "BENIGN/NORMAL", "suspicious", "MLO", "suspicious_6MLO_prior", "0"],
      ["suspicious_6", "Left", "50", "b", "5", "MALIGNANT", "suspicious", "MLO", "suspicious_6MLO_recent", "1"],
    ]);
    expect(relative(plan)[6]).toBe("Dataset/Suspicious_cases/6/CC_prior.DCM");
    expect(plan.problems).toEqual([
      {
        kind: "missing-view",
        item: raw("bmcd", "Dataset", "Normal_cases", "2"),
        message: "expected 2 recent and 0 or 2 prior DICOMs, found 1 recent and 0 prior (CC_recent.dcm)",
      },
      {
        kind: "label-without-image",
        item: raw("bmcd", "Dataset", "Normal_cases", "3"),
        message: "case folder of normal_3 does not exist",
      },
    ]);
    expect(unlabelled).toEqual(["Dataset/Suspicious_cases/99/CC_recent.dcm"]);
  });
});

describe("CMMD (Generated)", () => {
  it("merges the images' DICOM laterality with label.csv: an unlabelled side is Normal, an imageless label is reported", async () => {
    await writeText(
      raw("cmmd", "label.csv"),
      [
        "ID1,LeftRight,Age,number,abnormality,classification,subtype",
        "D1-0002,L,40,2,mass,Malignant,Luminal A",
        "D1-0001,R,44,2,calcification,Benign,",
        "D1-0002,R,40,2,mass,Benign,",
        "D1-0003,L,41,2,calcification,Benign,",
      ].join("\n"),
    );
    const series = (patient: string) => path.join("CMMD", patient, "07-18-2010-1", "1.000000-2");
    for (const name of ["1-3.dcm", "1-1.dcm", "1-2.dcm"]) await touch(raw("cmmd", series("D1-0001"), name));
    for (const name of ["1-2.dcm", "1-1.dcm"]) await touch(raw("cmmd", series("D1-0002"), name));
    await touch(raw("cmmd", series("D1-0009"), "1-1.dcm"));
    const laterality = {
      "D1-0001_1-1": "R",
      "D1-0001_1-2": "R",
      "D1-0001_1-3": "L",
      "D1-0002_1-1": "L",
      "D1-0002_1-2": "L",
    };
    const { plan, table, unlabelled } = await planAndTable("cmmd", laterality);
    expect(DATASET_ADAPTERS.cmmd.needsImageFacts(input("cmmd"))).toBe(true);
    expect(table.rows).toEqual([
      ["D1-0001", "D1-0001_1-1", "R", "44.0", "0", "2.0", "calcification", "Benign", ""],
      ["D1-0001", "D1-0001_1-2", "R", "44.0", "0", "2.0", "calcification", "Benign", ""],
      ["D1-0001", "D1-0001_1-3", "L", "", "0", "", "", "Normal", ""],
      ["D1-0002", "D1-0002_1-1", "L", "40.0", "1", "2.0", "mass", "Malignant", "Luminal A"],
      ["D1-0002", "D1-0002_1-2", "L", "40.0", "1", "2.0", "mass", "Malignant", "Luminal A"],
    ]);
    expect(plan.problems.map((p) => `${p.kind} ${p.item}`)).toEqual(["label-without-image cmmd:D1-0003@*"]);
    expect(table.problems).toEqual([
      {
        kind: "label-without-image",
        item: "cmmd:D1-0002@*|R",
        message: "label.csv rows 4 match no image of side R",
      },
    ]);
    expect(unlabelled).toEqual([path.join(series("D1-0009"), "1-1.dcm")]);
  });
});

describe("SeedCheckedIn labels", () => {
  it("take the checked-in rows verbatim, in their order, and find each row's file", async () => {
    const labels = path.join(root, "bmcd_cleaned_label.csv");
    await writeText(
      labels,
      [
        "patient_id,laterality,folder_type,view,image_id,cancer,__WindowCenter",
        "suspicious_1,Right,suspicious,MLO,suspicious_1MLO_recent,0,2047.0",
        "suspicious_1,Right,suspicious,CC,suspicious_1CC_recent,0,2047.0",
        "normal_2,Left,normal,CC,normal_2CC_recent,0,2048.0",
      ].join("\n"),
    );
    await touch(raw("bmcd", "Dataset", "Suspicious_cases", "1", "MLO_recent.dcm"));
    await touch(raw("bmcd", "Dataset", "Suspicious_cases", "1", "CC_recent.DCM"));
    const bmcd = { ...input("bmcd"), labels: "SeedCheckedIn" as const, seedLabelsFile: labels };
    const plan = await DATASET_ADAPTERS.bmcd.plan(bmcd);
    expect(relative(plan)).toEqual([
      "Dataset/Suspicious_cases/1/MLO_recent.dcm",
      "Dataset/Suspicious_cases/1/CC_recent.DCM",
    ]);
    const table = await DATASET_ADAPTERS.bmcd.table(bmcd, plan, allCropped(plan));
    expect(table.columns).toEqual([
      "patient_id",
      "laterality",
      "folder_type",
      "view",
      "image_id",
      "cancer",
      "__WindowCenter",
    ]);
    expect(table.rows.map((row) => row[4])).toEqual(["suspicious_1MLO_recent", "suspicious_1CC_recent"]);
    expect(plan.problems).toEqual([
      {
        kind: "label-without-image",
        item: "bmcd:normal_2@normal_2CC_recent",
        message: `case folder ${raw("bmcd", "Dataset", "Normal_cases", "2")} does not exist`,
      },
    ]);
  });
});
