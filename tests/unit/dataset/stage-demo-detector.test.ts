// prepare-dataset's detector branch with a detector that finds the breast: the demo's YOLOX-nano
// (assets/samples/models/yolox_nano_roi.pth, trained on phantoms by jobs/python/tools/make_demo_assets.py),
// exported as export-onnx does, on the 16 sample studies it never saw (assets/samples/test_images,
// phantoms of tests/fixtures/dicom/generate_studies.py laid out as an RSNA train set). Every image
// must take the YOLOX branch (not the Otsu fallback, which on a phantom finds almost the same box),
// and each crop's box, read back from the output, must overlap the phantom's breast box.
//
// The reference box is the generator's breast mask worked out by hand, not found by any code of
// ours. phantom() puts the breast inside the ellipse (xn)² + (yn)² < 1 with
// yn = (y − rows/2) / (0.46·rows) and xn = x / (0.78·columns) for L, (columns − 1 − x) / (0.78·columns)
// for R; the samples are rows × columns = 576 × 464. Rows: |y − 288| < 264.96 gives y = 24 … 552.
// Columns, on the row y = 288 where the ellipse is widest: L, x < 361.92 gives x = 0 … 361;
// R, 463 − x < 361.92 gives x = 102 … 463. With exclusive right and bottom edges:
//   L: x0 0, y0 24, x1 362, y1 553;   R: x0 102, y0 24, x1 464, y1 553.
// (Outside the ellipse the generator writes 0.04 of full scale with noise 0.0001; inside, tissue
// at 0.35 or more: the mask is the ellipse.) Checked once by hand on the 16 files with OpenCV 4:
// cv2.threshold(path A = min-max ×255 of pydicom's pixel_array, MONOCHROME1 inverted, 40) then
// cv2.boundingRect gives exactly these two boxes, by laterality.
//
// Tolerance: IoU ≥ 0.75 for every crop that can be located (measured 0.81–0.93 when written). The
// demo detector was trained briefly on CPU (assets/samples/README.md) and its boxes run from the
// top of the frame; jobs/python/tests/test_demo_assets.py measures IoU 0.77–0.89 for its best box in
// PyTorch on these images. Patient 10004 has no VOI window: see below.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { decode as decodePng } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StageResult } from "../../../jobs/contract/index.ts";
import { ShardRecords } from "../../../jobs/ts/dataset/records.ts";
import { prepareDataset } from "../../../jobs/ts/dataset/stage.ts";
import { readDicom, windowedUint8 } from "../../../jobs/ts/dicom/index.ts";
import { runStage } from "../../../jobs/ts/runtime/index.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";
import { type Box, cropPositions, iou } from "./support/crop-box.ts";
import { writeText } from "./support/raw-files.ts";

const REPO = path.resolve(import.meta.dirname, "../../..");
const SAMPLES = path.join(REPO, "assets/samples");
const CHECKPOINT = path.join(SAMPLES, "models/yolox_nano_roi.pth");
/** Cached across runs (tmp/ is ignored), keyed by the checkpoint's content: exporting takes torch ~20 s of CPU. */
const DETECTOR_DIR = path.join(
  REPO,
  "tmp/test-models",
  `yolox-nano-demo-${createHash("sha256").update(readFileSync(CHECKPOINT)).digest("hex").slice(0, 12)}`,
);
const DATASET = "rsna-breast-cancer-detection";
const MIN_IOU = 0.75;
/** The phantom's breast box (derivation above). */
const REFERENCE: Record<string, Box> = {
  L: { x0: 0, y0: 24, x1: 362, y1: 553 },
  R: { x0: 102, y0: 24, x1: 464, y1: 553 },
};

interface Sample {
  patientId: string;
  imageId: string;
  laterality: string;
}

describe("prepare-dataset with the demo detector on the sample phantoms", () => {
  let root: string;
  let samples: Sample[];
  let result: StageResult;
  let code: number;

  beforeAll(async () => {
    if (!existsSync(path.join(DETECTOR_DIR, "detector.onnx"))) {
      execFileSync(path.join(REPO, ".venv/bin/python"), [
        path.join(import.meta.dirname, "support/make_detector.py"),
        DETECTOR_DIR,
        CHECKPOINT,
      ]);
    }
    root = await mkdtemp(path.join(tmpdir(), "mammoflow-prepare-demo-detector-"));
    const testCsv = (await readFile(path.join(SAMPLES, "test.csv"), "utf8")).trim().split("\n");
    const header = testCsv[0]?.split(",") ?? [];
    const column = (name: string) => header.indexOf(name);
    samples = testCsv.slice(1).map((line) => {
      const cells = line.split(",");
      return {
        patientId: cells[column("patient_id")] as string,
        imageId: cells[column("image_id")] as string,
        laterality: cells[column("laterality")] as string,
      };
    });
    // The RSNA layout: train.csv (test.csv's rows, cancer = 0) and train_images/<patient_id>/<image_id>.dcm.
    const raw = path.join(root, "datasets/raw", DATASET);
    await writeText(
      path.join(raw, "train.csv"),
      [`${testCsv[0]},cancer`, ...testCsv.slice(1).map((l) => `${l},0`)].join("\n"),
    );
    await cp(path.join(SAMPLES, "test_images"), path.join(raw, "train_images"), { recursive: true });
    // The export-onnx output folder (detector.onnx + detector.json), copied into the storage root.
    await cp(DETECTOR_DIR, path.join(root, "models/detector"), { recursive: true });
    await mkdir(path.join(root, "runs"), { recursive: true });
    const request = path.join(root, "request.json");
    await writeText(
      request,
      makeStageRequest("prepare-dataset")
        .owner("ClassificationDataset", "demo-detector")
        .input("detector", "models/detector")
        .parameters({ datasets: [{ name: DATASET }] })
        .outputDir("runs/prepare")
        .json(),
    );
    code = await runStage({ "prepare-dataset": prepareDataset }, "prepare-dataset", request, {
      storageRoot: root,
      log: () => {},
      print: () => {},
    });
    result = StageResult.parse(JSON.parse(await readFile(path.join(root, "runs/prepare/result.json"), "utf8")));
  }, 600_000);

  afterAll(() => rm(root, { recursive: true, force: true }));

  it("crops all 16 images with the YOLOX branch: no Otsu fallback, no full frame", async () => {
    expect(result.error).toBeUndefined();
    expect(code).toBe(0);
    expect(samples).toHaveLength(16);
    expect(result.metrics).toMatchObject({ images: 16, cropped: 16, roi_yolox: 16, roi_otsu: 0, roi_full: 0 });
    const { records } = ShardRecords.parse(
      JSON.parse(await readFile(path.join(root, "runs/prepare/0/records.json"), "utf8")),
    );
    expect(records.map((r) => [r.key, r.branch])).toEqual(samples.map((s) => [`${s.patientId}@${s.imageId}`, "yolox"]));
  });

  it(`places every crop on the phantom's breast box (IoU ≥ ${MIN_IOU})`, async () => {
    const found: string[] = [];
    const located: boolean[] = [];
    for (const s of samples) {
      const file = path.join(root, "datasets/raw", DATASET, "train_images", s.patientId, `${s.imageId}.dcm`);
      const image = await readDicom(await readFile(file));
      expect([image.rows, image.columns]).toEqual([576, 464]);
      const png = decodePng(
        await readFile(path.join(root, "runs/prepare", DATASET, "cleaned_images", `${s.patientId}@${s.imageId}.png`)),
      );
      const reference = REFERENCE[s.laterality] as Box;
      const name = `${s.patientId}@${s.imageId} ${s.laterality} ${png.width}×${png.height}`;
      if (image.header.windowCenters.length === 0) {
        // Patient 10004 has no window: its crop is min-max over the crop itself, so no pixel of it
        // can be matched to the frame. Its size is checked: each side within 15 % of the reference's.
        found.push(`${name}: size only`);
        expect(Math.abs(png.width - (reference.x1 - reference.x0)), found.join("\n")).toBeLessThanOrEqual(
          0.15 * (reference.x1 - reference.x0),
        );
        expect(Math.abs(png.height - (reference.y1 - reference.y0)), found.join("\n")).toBeLessThanOrEqual(
          0.15 * (reference.y1 - reference.y0),
        );
        located.push(false);
        continue;
      }
      // A VOI window maps each stored value alone: the crop is a window of the whole frame converted.
      const frame = windowedUint8(image);
      const positions = cropPositions(frame, image.rows, image.columns, png.data as Uint8Array, png.width, png.height);
      expect(positions, `${name}: the crop is found exactly once in its frame`).toHaveLength(1);
      const box = positions[0] as Box;
      const overlap = iou(box, reference);
      found.push(`${name} at ${JSON.stringify(box)}: IoU ${overlap.toFixed(3)}`);
      expect(overlap, found.join("\n")).toBeGreaterThanOrEqual(MIN_IOU);
      located.push(true);
    }
    // 12 of the 16 (patients 10001–10003, with windows) are located and measured.
    expect(located.filter(Boolean)).toHaveLength(12);
  });
});
