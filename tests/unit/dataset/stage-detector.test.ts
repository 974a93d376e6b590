import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { decode as decodePng } from "fast-png";
import { beforeAll, describe, expect, it } from "vitest";
import { StageResult } from "../../../jobs/contract/index.ts";
import { ShardRecords } from "../../../jobs/ts/dataset/records.ts";
import { prepareDataset } from "../../../jobs/ts/dataset/stage.ts";
import { readDicom, windowedUint8 } from "../../../jobs/ts/dicom/index.ts";
import { runStage } from "../../../jobs/ts/runtime/index.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";
import { type Box, cropPositions, iou } from "./support/crop-box.ts";
import { writeDicoms, writeText } from "./support/raw-files.ts";

const REPO = path.resolve(import.meta.dirname, "../../..");
/** Cached across runs (tmp/ is ignored): exporting the graph takes torch ~20 s of CPU. */
const DETECTOR_DIR = path.join(REPO, "tmp/test-models/yolox-nano-random");

/**
 * A breast-like phantom: a bright half disc against the left edge on a dark background, 12-bit.
 * Its breast box, by hand for 160 × 128: inside iff (x / 76.8)² + ((y − 80) / 72)² < 1, so
 * x = 0 … 76 (on the row y = 80) and y = 9 … 151 (at x = 0); exclusive edges below.
 */
function phantom(rows: number, columns: number): number[] {
  const values: number[] = [];
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const r = Math.hypot(x / (columns * 0.6), (y - rows / 2) / (rows * 0.45));
      values.push(
        r < 1 ? Math.round(2500 + 1200 * Math.sqrt(1 - r * r) + ((x * 7 + y * 13) % 50)) : 80 + ((x + y) % 7),
      );
    }
  }
  return values;
}

const BREAST: Box = { x0: 0, y0: 9, x1: 77, y1: 152 };

// The detector branch with a detector that finds the breast is stage-demo-detector.test.ts; here a
// detector that finds nothing (random weights: no box scores 0.5) must hand over to Otsu.
describe("prepare-dataset with a YOLOX-nano detector that finds nothing", () => {
  let root: string;
  const image = () => path.join(root, "datasets/raw/bmcd/Dataset/Normal_cases/1/CC_recent.dcm");

  beforeAll(async () => {
    if (!existsSync(path.join(DETECTOR_DIR, "detector.onnx"))) {
      execFileSync(path.join(REPO, ".venv/bin/python"), [
        path.join(import.meta.dirname, "support/make_detector.py"),
        DETECTOR_DIR,
      ]);
    }
    root = await mkdtemp(path.join(tmpdir(), "mammoflow-prepare-roi-"));
    await writeText(
      path.join(root, "datasets/raw/bmcd/label.csv"),
      "dir,laterality,age,density,BIRADS,biopsy_result,folder_type\n1,Left,66,a,1,,normal\n",
    );
    const dicom = (name: string) => ({
      path: path.join(root, "datasets/raw/bmcd/Dataset/Normal_cases/1", name),
      rows: 160,
      columns: 128,
      values: phantom(160, 128),
      bits: 12 as const,
      center: 2048,
      width: 4096,
    });
    writeDicoms([dicom("CC_recent.dcm"), dicom("MLO_recent.dcm")]);
  }, 300_000);

  it("falls back to Otsu on every image and crops the phantom's breast box from the raw integers", async () => {
    const request = makeStageRequest("prepare-dataset")
      .owner("ClassificationDataset", "roi")
      .input("detector", "models/detector")
      .parameters({ datasets: [{ name: "bmcd" }] })
      .outputDir("runs/roi");
    // The export-onnx output folder (detector.onnx + detector.json), copied into the storage root
    // (a link out of it would be refused: docs/decisions/0006-input-links-stay-in-the-storage-root.md).
    await cp(DETECTOR_DIR, path.join(root, "models/detector"), { recursive: true });
    const file = path.join(root, "request.json");
    await writeText(file, request.json());
    const code = await runStage({ "prepare-dataset": prepareDataset }, "prepare-dataset", file, {
      storageRoot: root,
      log: () => {},
      print: () => {},
    });
    const result = StageResult.parse(JSON.parse(await readFile(path.join(root, "runs/roi/result.json"), "utf8")));
    expect(result.error).toBeUndefined();
    expect(code).toBe(0);

    expect(result.metrics).toMatchObject({ roi_yolox: 0, roi_otsu: 2, roi_full: 0 });
    const { records } = ShardRecords.parse(
      JSON.parse(await readFile(path.join(root, "runs/roi/0/records.json"), "utf8")),
    );
    expect(records.map((r) => r.branch)).toEqual(["otsu", "otsu"]);

    // Where the crop came from, read back from the output: the window (center 2048, width 4096)
    // maps each stored value alone, so the crop is found in the whole frame converted.
    const decoded = await readDicom(await readFile(image()));
    const png = decodePng(
      await readFile(path.join(root, "runs/roi/bmcd/cleaned_images/normal_1@normal_1CC_recent.png")),
    );
    const frame = windowedUint8(decoded);
    const positions = cropPositions(
      frame,
      decoded.rows,
      decoded.columns,
      png.data as Uint8Array,
      png.width,
      png.height,
    );
    expect(positions).toHaveLength(1);
    // 0.980 when written: Otsu on this phantom is all but exact.
    expect(iou(positions[0] as Box, BREAST)).toBeGreaterThanOrEqual(0.95);
  });
});
