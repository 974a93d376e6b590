import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { decode as decodePng } from "fast-png";
import { beforeAll, describe, expect, it } from "vitest";
import { canonicalJson, StageResult } from "../../../jobs/contract/index.ts";
import { prepareDataset } from "../../../jobs/ts/dataset/stage.ts";
import { readDicom, windowedUint8, yoloxInputFloat } from "../../../jobs/ts/dicom/index.ts";
import { inferenceRuntimeOptions } from "../../../jobs/ts/onnx/options.ts";
import { BreastRoiDetector, SEED_ROI_SELECTION } from "../../../jobs/ts/roi/index.ts";
import { runStage } from "../../../jobs/ts/runtime/index.ts";
import { writeDicoms, writeText } from "./support/raw-files.ts";

const REPO = path.resolve(import.meta.dirname, "../../..");
/** Cached across runs (tmp/ is ignored): exporting the graph takes torch ~20 s of CPU. */
const DETECTOR_DIR = path.join(REPO, "tmp/test-models/yolox-nano-random");

/** A breast-like phantom: a bright half disc against the left edge on a dark background, 12-bit. */
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

describe("prepare-dataset with the YOLOX-nano detector", () => {
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

  it("crops the box the ROI module chooses (detector, else Otsu, else full frame) from the raw integers", async () => {
    const request = {
      apiVersion: "mammoflow.io/stage/v1",
      stage: "prepare-dataset",
      owner: { kind: "ClassificationDataset", namespace: "local", name: "roi" },
      inputs: { detector: "models/detector" },
      parameters: { datasets: [{ name: "bmcd" }] },
      outputDir: "runs/roi",
    };
    // The export-onnx output folder (detector.onnx + detector.json), linked into the storage root.
    await mkdir(path.join(root, "models"), { recursive: true });
    await symlink(DETECTOR_DIR, path.join(root, "models/detector"));
    const file = path.join(root, "request.json");
    await writeText(file, canonicalJson(request));
    const code = await runStage({ "prepare-dataset": prepareDataset }, "prepare-dataset", file, {
      storageRoot: root,
      log: () => {},
      print: () => {},
    });
    const result = StageResult.parse(JSON.parse(await readFile(path.join(root, "runs/roi/result.json"), "utf8")));
    expect(result.error).toBeUndefined();
    expect(code).toBe(0);

    const decoded = await readDicom(await readFile(image()));
    const detector = await BreastRoiDetector.open(path.join(DETECTOR_DIR, "detector.onnx"), inferenceRuntimeOptions());
    const box = await detector.detect(yoloxInputFloat(decoded), decoded.rows, decoded.columns, SEED_ROI_SELECTION);
    await detector.close();
    expect(box.branch).not.toBe("full");
    expect(result.metrics[`roi_${box.branch}`]).toBe(2);

    const png = decodePng(
      await readFile(path.join(root, "runs/roi/bmcd/cleaned_images/normal_1@normal_1CC_recent.png")),
    );
    expect([png.width, png.height]).toEqual([box.x1 - box.x0, box.y1 - box.y0]);
    expect(png.width * png.height).toBeLessThan(decoded.rows * decoded.columns);
    expect([...png.data]).toEqual([...windowedUint8(decoded, {}, box)]);
  });
});
