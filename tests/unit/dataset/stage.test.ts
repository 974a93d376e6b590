import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { decode as decodePng } from "fast-png";
import { beforeAll, describe, expect, it } from "vitest";
import { StageResult } from "../../../jobs/contract/index.ts";
import { prepareDataset } from "../../../jobs/ts/dataset/stage.ts";
import { runStage } from "../../../jobs/ts/runtime/index.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";
import {
  CDD_CESM_COLUMNS,
  ramp,
  writeDicoms,
  writeGray8Jpeg,
  writeGray16Png,
  writeText,
  writeWorkbook,
} from "./support/raw-files.ts";

const STAGES = { "prepare-dataset": prepareDataset };
const STAGE_DIR = "runs/local/ClassificationDataset/seed/prepare-dataset";
const DATASETS = [
  { name: "bmcd", labels: "Generated" },
  { name: "cmmd", labels: "Generated" },
  { name: "miniddsm" },
  { name: "cddcesm" },
];

let root: string;
const raw = (...parts: string[]) => path.join(root, "datasets", "raw", ...parts);

/**
 * Runs dataset "seed"'s prepare-dataset into `where.outputDir` (STAGE_DIR by default), as shard
 * `where.shard` if given, with `parameters` over the default datasets; returns exit code and result.
 */
async function run(
  where: { outputDir?: string; shard?: { index: number; count: number } },
  parameters: Record<string, unknown> = {},
) {
  const builder = makeStageRequest("prepare-dataset")
    .owner("ClassificationDataset", "seed")
    .parameters({ datasets: DATASETS, ...parameters })
    .outputDir(where.outputDir ?? STAGE_DIR);
  if (where.shard) builder.shard(where.shard.index, where.shard.count);
  const file = path.join(root, `request-${Math.random().toString(36).slice(2)}.json`);
  await writeText(file, builder.json());
  const logs: string[] = [];
  const code = await runStage(STAGES, "prepare-dataset", file, {
    storageRoot: root,
    log: (line) => logs.push(line),
    print: () => {},
  });
  const outputDir = path.join(root, builder.obj().outputDir);
  const result = StageResult.parse(JSON.parse(await readFile(path.join(outputDir, "result.json"), "utf8")));
  return { code, result, logs };
}

const stageFile = (...parts: string[]) => path.join(root, STAGE_DIR, ...parts);
const text = (...parts: string[]) => readFile(stageFile(...parts), "utf8");

async function writeRawTree(): Promise<void> {
  await writeText(
    raw("bmcd", "label.csv"),
    [
      "dir,laterality,age,density,BIRADS,biopsy_result,folder_type",
      "1,Right,57,b,4a,MALIGNANT,suspicious",
      "1,Left,66,a,1,,normal",
    ].join("\n"),
  );
  const bmcd = (folder: string, name: string) => ({
    path: raw("bmcd", "Dataset", folder, name),
    rows: 3,
    columns: 4,
    values: ramp(3, 4, 0, 372),
    bits: 12 as const,
    center: 2048,
    width: 4096,
    voi: "LINEAR" as const,
  });
  await writeText(
    raw("cmmd", "label.csv"),
    "ID1,LeftRight,Age,number,abnormality,classification,subtype\nD1-0001,R,44,1,mass,Malignant,Luminal B\n",
  );
  const cmmd = (name: string, laterality: "L" | "R") => ({
    path: raw("cmmd", "CMMD", "D1-0001", "07-18-2010-1", "1.000000-1", name),
    rows: 2,
    columns: 2,
    values: [0, 64, 128, 255],
    bits: 8 as const,
    laterality,
    center: 128,
    width: 256,
    voi: "SIGMOID" as const,
  });
  writeDicoms([
    bmcd("Suspicious_cases/1", "MLO_recent.dcm"),
    bmcd("Suspicious_cases/1", "CC_recent.dcm"),
    bmcd("Normal_cases/1", "CC_recent.dcm"),
    bmcd("Normal_cases/1", "MLO_recent.dcm"),
    cmmd("1-1.dcm", "R"),
    cmmd("1-2.dcm", "L"),
  ]);
  await writeWorkbook(raw("miniddsm", "Data-MoreThanTwoMasks", "Data-MoreThanTwoMasks.xlsx"), {
    Sheet1: [
      ["fullPath", "fileName", "View", "Side", "Status", "Tumour_Contour", "Age", "Density"],
      ["x", "A_0001_1.LEFT_CC.png", "CC", "LEFT", "Cancer", "[(1, 2), (3, 4)]", 60, 3],
      ["x", "A_0001_1.RIGHT_CC.png", "CC", "RIGHT", "Cancer", null, 60, 3],
    ],
  });
  for (const side of ["LEFT", "RIGHT"]) {
    const file = raw("miniddsm", "MINI-DDSM-Complete-PNG-16", "Cancer", "0001", `A_0001_1.${side}_CC.png`);
    await writeGray16Png(file, 3, 4, ramp(3, 4, 1000, 500));
  }
  await writeWorkbook(raw("cddcesm", "Radiology manual annotations.xlsx"), {
    all: [
      CDD_CESM_COLUMNS,
      ["P1_L_DM_CC", 1, "L", "DM", 40, "C", 2, "none", "CC", "t", 1, "Normal"],
      ["P1_R_DM_CC", 1, "R", "DM", 40, "C", 5, "mass", "CC", "t", 1, "Malignant"],
    ],
  });
  for (const name of ["P1_L_DM_CC.jpg", "P1_R_DM_CC.jpg"]) {
    await writeGray8Jpeg(raw("cddcesm", "Low energy images of CDD-CESM", name), 8, 8, ramp(8, 8, 10, 3));
  }
}

function pngPixels(bytes: Buffer): { width: number; height: number; channels: number; pixels: number[] } {
  const png = decodePng(bytes);
  return { width: png.width, height: png.height, channels: png.channels, pixels: [...png.data] };
}

describe("prepare-dataset, sharded", () => {
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "mammoflow-prepare-"));
    await writeRawTree();
  });

  it("crops each shard's slice into the shared folders, then the merge writes the seed's CSVs", async () => {
    const shard0 = await run({ outputDir: `${STAGE_DIR}/0`, shard: { index: 0, count: 2 } });
    const shard1 = await run({ outputDir: `${STAGE_DIR}/1`, shard: { index: 1, count: 2 } });
    expect([shard0.code, shard1.code]).toEqual([0, 0]);
    expect([shard0.result.metrics, shard1.result.metrics].map((m) => [m.images, m.cropped, m.failed])).toEqual([
      [5, 5, 0],
      [5, 5, 0],
    ]);
    expect(shard0.result.metrics.roi_full).toBe(5);
    // No step follows an Indexed Job's shards: the shard that finds every shard's records merges.
    expect(shard0.result.artifacts.map((a) => a.name)).not.toContain("bmcd-labels");
    expect(shard1.result.artifacts.map((a) => a.name)).toContain("bmcd-labels");
    const merge = await run({}, { merge: true, shards: 2 });
    expect(merge.code).toBe(0);
    expect(merge.result.outcome).toBe("Succeeded");

    expect(await text("bmcd", "cleaned_label.csv")).toBe(
      [
        "patient_id,laterality,age,density,BIRADS,biopsy_result,folder_type,view,image_id,cancer",
        "normal_1,Left,66,a,1,NAN,normal,CC,normal_1CC_recent,0",
        "normal_1,Left,66,a,1,NAN,normal,MLO,normal_1MLO_recent,0",
        "suspicious_1,Right,57,b,4a,MALIGNANT,suspicious,CC,suspicious_1CC_recent,1",
        "suspicious_1,Right,57,b,4a,MALIGNANT,suspicious,MLO,suspicious_1MLO_recent,1",
        "",
      ].join("\n"),
    );
    expect(await text("cmmd", "cleaned_label.csv")).toBe(
      [
        "patient_id,image_id,laterality,age,cancer,_num_images,abnormality,classification,subtype",
        "D1-0001,D1-0001_1-1,R,44.0,1,1.0,mass,Malignant,Luminal B",
        "D1-0001,D1-0001_1-2,L,,0,,,Normal,",
        "",
      ].join("\n"),
    );
    expect(await text("miniddsm", "cleaned_label.csv")).toBe(
      [
        "patient_id,image_id,view,laterality,density,age,ddsm_ori_status,cancer",
        "A_0001_1,A_0001_1|LEFT|CC,CC,L,C,60,Cancer,1",
        "A_0001_1,A_0001_1|RIGHT|CC,CC,R,C,60,Cancer,0",
        "",
      ].join("\n"),
    );
    expect((await text("cddcesm", "cleaned_label.csv")).split("\n").slice(1)).toEqual([
      "1,P1_L_CC,L,CC,P1_L_DM_CC,40,C,2,none,t,1,Normal,DM,0",
      "1,P1_R_CC,R,CC,P1_R_DM_CC,40,C,5,mass,t,1,Malignant,DM,1",
      "",
    ]);
    expect(await readdir(stageFile("bmcd", "cleaned_images"))).toEqual([
      "normal_1@normal_1CC_recent.png",
      "normal_1@normal_1MLO_recent.png",
      "suspicious_1@suspicious_1CC_recent.png",
      "suspicious_1@suspicious_1MLO_recent.png",
    ]);
    expect(await readdir(stageFile("miniddsm", "cleaned_images"))).toEqual([
      "A_0001_1@A_0001_1|LEFT|CC.png",
      "A_0001_1@A_0001_1|RIGHT|CC.png",
    ]);

    // Path B: window LINEAR c=2048 w=4096 on the stored ramp, truncated (values from NumPy float32).
    expect(pngPixels(await readFile(stageFile("bmcd", "cleaned_images", "normal_1@normal_1CC_recent.png")))).toEqual({
      width: 4,
      height: 3,
      channels: 1,
      pixels: [0, 23, 46, 69, 92, 115, 138, 162, 185, 208, 231, 254],
    });
    // Path B, SIGMOID c=128 w=256 (CMMD's 8-bit files).
    expect(pngPixels(await readFile(stageFile("cmmd", "cleaned_images", "D1-0001@D1-0001_1-1.png"))).pixels).toEqual([
      30, 68, 127, 224,
    ]);
    // Path D: the seed's percentile min-max (p99 − 1 = 6444, min 1000) of the 16-bit PNG.
    expect(
      pngPixels(await readFile(stageFile("miniddsm", "cleaned_images", "A_0001_1@A_0001_1|LEFT|CC.png"))).pixels,
    ).toEqual([0, 23, 46, 70, 93, 117, 140, 163, 187, 210, 234, 255]);
    const jpegCrop = pngPixels(await readFile(stageFile("cddcesm", "cleaned_images", "1@P1_L_CC.png")));
    expect([jpegCrop.width, jpegCrop.height, Math.min(...jpegCrop.pixels), Math.max(...jpegCrop.pixels)]).toEqual([
      8, 8, 0, 255,
    ]);

    const report = JSON.parse(await text("report.json"));
    expect(report.summary).toEqual({
      items: 10,
      errors: 0,
      fraction: 0,
      counts: {
        "unreadable-file": 0,
        "missing-view": 0,
        "label-without-image": 0,
        "image-without-label": 0,
        "bad-label": 0,
      },
    });
    expect(merge.result.metrics).toMatchObject({ bmcd_rows: 4, bmcd_positives: 2, cmmd_rows: 2, errors: 0 });
    expect(merge.result.artifacts.map((a) => a.name)).toEqual([
      "bmcd-labels",
      "bmcd-crops",
      "cmmd-labels",
      "cmmd-crops",
      "miniddsm-labels",
      "miniddsm-crops",
      "cddcesm-labels",
      "cddcesm-crops",
      "report",
    ]);
  });

  it("a retried shard keeps the crops it finished instead of redoing them", async () => {
    const crop = stageFile("bmcd", "cleaned_images", "normal_1@normal_1CC_recent.png");
    const before = await stat(crop);
    // A different request (digest) for the same slice: the runner does not reuse the old result.
    const again = await run({ outputDir: `${STAGE_DIR}/0`, shard: { index: 0, count: 2 } }, { maxErrorFraction: 0.02 });
    expect(again.code).toBe(0);
    expect([again.result.metrics.resumed, again.result.metrics.cropped]).toEqual([5, 0]);
    expect((await stat(crop)).mtimeMs).toBe(before.mtimeMs);
    const records = JSON.parse(await text("0", "records.json"));
    expect(records.records.filter((r: { dataset: string }) => r.dataset === "cmmd")).toEqual([
      expect.objectContaining({ key: "D1-0001@D1-0001_1-1", status: "resumed", laterality: "R" }),
    ]);
  });

  it("a shard with other pixel settings does not take the folder's crops as finished", async () => {
    const other = await run(
      { outputDir: `${STAGE_DIR}/1`, shard: { index: 1, count: 2 } },
      { pixels: { windowParamPrecision: "Float16ForDaliSyntaxes" } },
    );
    expect(other.code).toBe(2);
    expect(other.result.error?.reason).toBe("BadRequest");
    expect(other.result.error?.file).toBe(stageFile("crop-settings.json"));
    expect(other.result.error?.message).toContain(
      `the crops in ${path.join(root, STAGE_DIR)} were made with other settings`,
    );
    expect(JSON.parse(await text("crop-settings.json"))).toEqual({
      detectorSha256: null,
      pixels: { applyRescale: false, applyVoiLutSequence: false, windowIndex: 0, windowParamPrecision: "Float64" },
      roi: { confidenceThreshold: 0.5, minAreaFraction: 0.04, nmsIouThreshold: 0.9, otsuFallback: true },
    });
  });

  it("the merge refuses to run before every shard has finished, naming the missing shard", async () => {
    const early = await run(
      { outputDir: "runs/local/ClassificationDataset/other/prepare-dataset" },
      { merge: true, shards: 1 },
    );
    expect(early.code).toBe(2);
    const missing = path.join(root, "runs/local/ClassificationDataset/other/prepare-dataset/0/records.json");
    expect(early.result.error).toEqual({
      reason: "MissingArtifact",
      message: `shard 0 of 1 has not finished (no ${missing})`,
      file: missing,
    });
  });

  it("the merge refuses shard records made for another request", async () => {
    const merge = await run({}, { merge: true, shards: 3 });
    expect(merge.code).toBe(2);
    expect(merge.result.error).toEqual({
      reason: "MissingArtifact",
      message: `shard 0 was run as 0/2 over 10 images, the merge expects 0/3 over 10: the raw data or the request changed`,
      file: stageFile("0", "records.json"),
    });
  });
});

describe("prepare-dataset error report", () => {
  const BROKEN = "datasets/broken/bmcd";
  const broken = (...parts: string[]) => path.join(root, BROKEN, ...parts);
  const request = { outputDir: "runs/local/ClassificationDataset/broken/prepare-dataset" };
  const parameters = (maxErrorFraction?: number) => ({
    datasets: [{ name: "bmcd", rawPath: BROKEN, labels: "Generated" }],
    ...(maxErrorFraction === undefined ? {} : { maxErrorFraction }),
  });
  const out = (...parts: string[]) => path.join(root, request.outputDir, ...parts);

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "mammoflow-prepare-broken-"));
    await writeText(
      broken("label.csv"),
      [
        "dir,laterality,age,density,BIRADS,biopsy_result,folder_type",
        "1,Right,57,b,4a,BENIGN,suspicious",
        "2,Left,60,a,1,BENIGN,suspicious",
        "3,Left,66,a,1,,normal",
      ].join("\n"),
    );
    const dicom = (folder: string, name: string) => ({
      path: broken("Dataset", folder, name),
      rows: 2,
      columns: 2,
      values: [0, 1000, 2000, 4000],
      bits: 12 as const,
      center: 2048,
      width: 4096,
    });
    writeDicoms([
      dicom("Suspicious_cases/1", "CC_recent.dcm"),
      dicom("Suspicious_cases/1", "MLO_recent.dcm"),
      dicom("Suspicious_cases/2", "CC_recent.dcm"),
      dicom("Normal_cases/3", "CC_recent.dcm"),
      dicom("Normal_cases/7", "CC_recent.dcm"),
    ]);
    await writeText(broken("Dataset", "Suspicious_cases", "2", "MLO_recent.dcm"), "not a DICOM at all");
  });

  const unreadable = () =>
    `${broken("Dataset", "Suspicious_cases", "2", "MLO_recent.dcm")}: not a DICOM Part-10 file: only 18 bytes, too short for the 128-byte preamble and "DICM"`;

  it("by default stops on any bad image or label row, as the seed, naming every file after writing the report", async () => {
    const { code, result } = await run(request, parameters());
    expect(code).toBe(2);
    expect(result.error?.reason).toBe("BadInput");
    expect(result.error?.file).toBe(broken("Dataset", "Normal_cases", "3"));
    expect(result.error?.message).toBe(
      [
        `2 of 5 items are bad and bad data stops the stage, as in the seed (maxErrorFraction 0; a larger value skips them up to that fraction; all are listed in ${out("report.json")}): 1 unreadable-file, 1 missing-view`,
        `${broken("Dataset", "Normal_cases", "3")}: expected 2 recent and 0 or 2 prior DICOMs, found 1 recent and 0 prior (CC_recent.dcm)`,
        unreadable(),
      ].join("\n"),
    );
    const report = JSON.parse(await readFile(out("report.json"), "utf8"));
    expect(report.maxErrorFraction).toBe(0);
    expect(report.summary).toMatchObject({ items: 5, errors: 2 });
  });

  it("fails above an explicit maxErrorFraction and names the files", async () => {
    const { code, result } = await run(request, parameters(0.01));
    expect(code).toBe(2);
    expect(result.error?.message).toBe(
      [
        "2 of 5 items failed (40.00 % > maxErrorFraction 1.00 %): 1 unreadable-file, 1 missing-view",
        `${broken("Dataset", "Normal_cases", "3")}: expected 2 recent and 0 or 2 prior DICOMs, found 1 recent and 0 prior (CC_recent.dcm)`,
        unreadable(),
      ].join("\n"),
    );
  });

  it("a shard stops on its own bad image by default, naming it after writing its records", async () => {
    const { code, result } = await run(
      { outputDir: `${request.outputDir}-shard/0`, shard: { index: 0, count: 1 } },
      parameters(),
    );
    expect(code).toBe(2);
    expect(result.error?.file).toBe(broken("Dataset", "Suspicious_cases", "2", "MLO_recent.dcm"));
    const records = path.join(root, `${request.outputDir}-shard`, "0", "records.json");
    expect(result.error?.message).toBe(
      [
        `1 of 4 items are bad and bad data stops the stage, as in the seed (maxErrorFraction 0; a larger value skips them up to that fraction; all are listed in ${records}): 1 unreadable-file`,
        unreadable(),
      ].join("\n"),
    );
    expect(
      JSON.parse(await readFile(records, "utf8")).records.filter((r: { status: string }) => r.status === "failed"),
    ).toHaveLength(1);
  });

  it("below the limit, skips the bad items, writes the rest and reports every problem", async () => {
    const { code, result } = await run(request, parameters(0.5));
    expect(code).toBe(0);
    const out = path.join(root, request.outputDir);
    expect(
      (await readFile(path.join(out, "bmcd", "cleaned_label.csv"), "utf8")).split("\n").map((l) => l.split(",")[8]),
    ).toEqual(["image_id", "suspicious_1CC_recent", "suspicious_1MLO_recent", "suspicious_2CC_recent", undefined]);
    const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
    expect(report.summary.counts).toEqual({
      "unreadable-file": 1,
      "missing-view": 1,
      "label-without-image": 0,
      "image-without-label": 1,
      "bad-label": 0,
    });
    expect(
      report.datasets[0].problems.map((p: { kind: string; item: string }) => [p.kind, path.relative(root, p.item)]),
    ).toEqual([
      ["missing-view", `${BROKEN}/Dataset/Normal_cases/3`],
      ["unreadable-file", `${BROKEN}/Dataset/Suspicious_cases/2/MLO_recent.dcm`],
      ["image-without-label", `${BROKEN}/Dataset/Normal_cases/7/CC_recent.dcm`],
    ]);
    expect(result.problems).toHaveLength(3);
    // 4 planned images and a case folder missing a view are items; the unlabelled file is listed, not counted.
    expect(result.metrics.error_fraction).toBe(0.4);
  });
});
