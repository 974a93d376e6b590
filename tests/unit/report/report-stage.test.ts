import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MODELS_FILE,
  modelsRecord,
  readModelsRecords,
  writeModelsRecord,
} from "../../../jobs/ts/report/models-record.ts";
import { REPORT_FILE, REPORT_TABLE_FILE, writeSubmissionReport } from "../../../jobs/ts/report/report-stage.ts";
import { DEFAULT_LIMITS } from "../../../jobs/ts/report/selection.ts";
import {
  encodeThumbnail,
  readThumbnailIndex,
  THUMBNAILS_INDEX,
  ThumbnailWriter,
} from "../../../jobs/ts/report/thumbnails.ts";
import { StageContext, type StageContextOf, sha256File } from "../../../jobs/ts/runtime/index.ts";
import { prng } from "../../support/prng.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";

const BREASTS = 5000;
const THRESHOLD = 0.5;

/** Deterministic scores and labels (a seeded stream), so the worst mistakes are known in advance. */
function syntheticBreasts(): { id: string; score: number; label: 0 | 1 }[] {
  const next = prng(12345);
  return Array.from({ length: BREASTS }, (_, i) => {
    const label = next() < 0.1 ? 1 : 0;
    // Cancers score higher on average, with overlap: both kinds of mistakes exist.
    const score = Math.round(Math.min(1, Math.max(0, next() * 0.7 + (label ? 0.25 : 0))) * 1e6) / 1e6;
    return { id: `${20000 + Math.floor(i / 2)}_${i % 2 ? "R" : "L"}`, score, label };
  });
}

/** Noise thumbnail: JPEG compresses it worse than a mammogram, so the size bound is conservative. */
async function noisyThumbnail(): Promise<Buffer> {
  const gray = new Uint8Array(416 * 333);
  for (let i = 0; i < gray.length; i++) gray[i] = (i * 2654435761) >>> 24;
  return (await encodeThumbnail(gray, 416, 333)).jpeg;
}

/** Submission "large"'s aggregate request; its predictions are the same whatever the output folder. */
const largeRequest = () =>
  makeStageRequest("aggregate")
    .owner("Submission", "large")
    .input("predictions", "runs/predict")
    .input("csv", "test.csv")
    .input("images", "missing-images")
    .input("labels", "labels.csv")
    .inputDigest("predictions", "d".repeat(64));

describe("the report stage on 5,000 breasts (10,000 images)", () => {
  let storage: string;
  const breasts = syntheticBreasts();
  let context: StageContextOf<"aggregate">;
  let html: string;

  beforeAll(async () => {
    storage = await mkdtemp(path.join(tmpdir(), "mammoflow-report-"));
    const predict = path.join(storage, "runs/predict/0");
    await mkdir(path.join(predict, "thumbnails"), { recursive: true });
    await writeFile(path.join(predict, "thumbnails/noise.jpg"), await noisyThumbnail());
    const testRows = ["patient_id,image_id,laterality,prediction_id"];
    const probabilityRows = ["image_id,prediction_id,x0,y0,x1,y1,roi,fold_0,mean,error"];
    const thumbnailRows = ["image_id,file,width,height,image_width,image_height"];
    for (const [i, b] of breasts.entries()) {
      for (const k of [0, 1]) {
        const imageId = String(100000 + 2 * i + k);
        testRows.push(`${b.id.split("_")[0]},${imageId},${b.id.slice(-1)},${b.id}`);
        probabilityRows.push(`${imageId},${b.id},10,20,300,400,yolox,${b.score},${b.score},`);
        // One file for all (the index names it): the page inlines each image's copy all the same.
        thumbnailRows.push(`${imageId},thumbnails/noise.jpg,96,120,333,416`);
      }
    }
    await writeFile(path.join(storage, "test.csv"), `${testRows.join("\n")}\n`);
    await writeFile(path.join(predict, "probabilities.csv"), `${probabilityRows.join("\n")}\n`);
    await writeFile(path.join(predict, THUMBNAILS_INDEX), `${thumbnailRows.join("\n")}\n`);
    await writeFile(
      path.join(storage, "labels.csv"),
      `prediction_id,cancer\n${breasts.map((b) => `${b.id},${b.label}`).join("\n")}\n`,
    );
    const models = path.join(storage, "models");
    await mkdir(models);
    await writeFile(path.join(models, "detector.onnx"), "detector bytes");
    await writeFile(
      path.join(models, "detector.json"),
      JSON.stringify({ architecture: "yolox-nano", source: "best_ckpt.pth" }),
    );
    await writeFile(path.join(models, "ensemble.onnx"), "ensemble bytes");
    const record = await modelsRecord(path.join(models, "detector.onnx"), path.join(models, "ensemble.onnx"), storage);
    await writeModelsRecord(predict, record);
    const aggregate = path.join(storage, "runs/aggregate");
    await mkdir(aggregate, { recursive: true });
    await writeFile(
      path.join(aggregate, "breast-probabilities.csv"),
      `prediction_id,probability,images\n${breasts.map((b) => `${b.id},${b.score},2`).join("\n")}\n`,
    );
    context = StageContext.of("aggregate", largeRequest().outputDir("runs/aggregate").obj(), storage, "c".repeat(64));
    context.metrics.threshold = THRESHOLD;
    await writeSubmissionReport(context);
    html = await readFile(path.join(aggregate, REPORT_FILE), "utf8");
  }, 120_000);
  afterAll(async () => {
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  it("stays under 3 MB: the worst false negatives and positives and a sample, with their thumbnails", async () => {
    const size = (await stat(path.join(storage, "runs/aggregate", REPORT_FILE))).size;
    expect(size).toBeLessThan(3 * 1024 * 1024);
    const shown = DEFAULT_LIMITS.worst * 2 + DEFAULT_LIMITS.sample;
    expect(html.match(/<tr class="breast /g)).toHaveLength(shown);
    expect(html.match(/data:image\/jpeg;base64,/g)).toHaveLength(2 * shown);
    const group = (id: string) =>
      [
        ...(html.split(`<section class="group" id="${id}">`)[1]?.split("</section>")[0] ?? "").matchAll(
          /data-prediction-id="([^"]+)"/g,
        ),
      ].map((m) => m[1]);
    const missed = breasts
      .filter((b) => b.label === 1 && b.score <= THRESHOLD)
      .sort((a, b) => a.score - b.score || a.id.localeCompare(b.id));
    const alarms = breasts
      .filter((b) => b.label === 0 && b.score > THRESHOLD)
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    expect(missed.length).toBeGreaterThan(DEFAULT_LIMITS.worst);
    expect(alarms.length).toBeGreaterThan(DEFAULT_LIMITS.worst);
    expect(group("false-negatives")).toEqual(missed.slice(0, DEFAULT_LIMITS.worst).map((b) => b.id));
    expect(group("false-positives")).toEqual(alarms.slice(0, DEFAULT_LIMITS.worst).map((b) => b.id));
    const sample = group("sample");
    expect(sample).toHaveLength(DEFAULT_LIMITS.sample);
    expect(new Set([...sample, ...group("false-negatives"), ...group("false-positives")]).size).toBe(shown);
    expect(html).toContain(`The page shows ${shown} of them; every breast is in <a href="${REPORT_TABLE_FILE}">`);
    console.log(`report.html for ${BREASTS} breasts: ${(size / 1024).toFixed(0)} KiB`);
  });

  it("writes every breast to the CSV beside it and names both as artifacts", async () => {
    const lines = (await readFile(path.join(storage, "runs/aggregate", REPORT_TABLE_FILE), "utf8"))
      .trimEnd()
      .split("\n");
    expect(lines[0]).toBe("prediction_id,probability,decision,label,outcome,images,image_probabilities,roi,errors");
    expect(lines).toHaveLength(BREASTS + 1);
    const first = breasts[0] as (typeof breasts)[number];
    const outcome = first.score > THRESHOLD ? (first.label ? "TP" : "FP") : first.label ? "FN" : "TN";
    expect(lines[1]).toBe(
      `${first.id},${first.score},${first.score > THRESHOLD ? 1 : 0},${first.label},${outcome},100000 100001,${first.score} ${first.score},yolox yolox,`,
    );
    expect(context.artifacts.map((a) => a.name)).toEqual(["reportTable", "report"]);
    expect(context.problems).toEqual([]);
  });

  it("shows the models' digests from the predictions' models.json, the request digests, no demo banner", async () => {
    expect(html).toContain(`sha256 <code>${await sha256File(path.join(storage, "models/detector.onnx"))}</code>`);
    expect(html).toContain("models/ensemble.onnx<br>no model card<br>");
    expect(html).toContain(`<code>${"c".repeat(64)}</code> (aggregate)`);
    expect(html).toContain(`written by request <code>${"d".repeat(64)}</code>`);
    expect(html).not.toContain("demo-banner");
  });

  it("is the same selection whatever the order of breast-probabilities.csv", async () => {
    const again = path.join(storage, "runs/aggregate-reversed");
    await mkdir(again, { recursive: true });
    await writeFile(
      path.join(again, "breast-probabilities.csv"),
      `prediction_id,probability,images\n${[...breasts]
        .reverse()
        .map((b) => `${b.id},${b.score},2`)
        .join("\n")}\n`,
    );
    const reversed = StageContext.of("aggregate", largeRequest().outputDir("runs/aggregate-reversed").obj(), storage);
    reversed.metrics.threshold = THRESHOLD;
    await writeSubmissionReport(reversed);
    const ids = (text: string) => [...text.matchAll(/data-prediction-id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids(await readFile(path.join(again, REPORT_FILE), "utf8"))).toEqual(ids(html));
  }, 60_000);
});

describe("what predict leaves for the report", () => {
  it("thumbnails from the detector's view, at most 96 px wide, indexed with the image's size", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mammoflow-thumbs-"));
    try {
      const writer = new ThumbnailWriter(dir);
      const pixels = new Float32Array(416 * 333).map((_, i) => (i % 333) * 0.7);
      writer.add("1001", { pixels, height: 416, width: 333 }, 3328, 2664);
      writer.add("odd/id", { pixels: new Float32Array(40 * 30).fill(300), height: 40, width: 30 }, 400, 300);
      await writer.finish();
      const index = await readThumbnailIndex(dir);
      expect([...index.keys()].sort()).toEqual(["1001", "odd/id"]);
      expect(index.get("1001")).toEqual({
        file: path.join(dir, "thumbnails/1001.jpg"),
        width: 96,
        height: 120,
        imageWidth: 2664,
        imageHeight: 3328,
      });
      // Never enlarged; an id that is no file name gets a hashed one.
      const odd = index.get("odd/id");
      expect([odd?.width, odd?.height]).toEqual([30, 40]);
      expect(path.basename(odd?.file ?? "")).toMatch(/^[0-9a-f]{32}\.jpg$/);
      const jpeg = await readFile(index.get("1001")?.file ?? "");
      expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
      expect(jpeg.length).toBeLessThan(6000);
      expect(writer.failures).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("models.json: both files' SHA-256, the card beside the ONNX, the versions; a broken file is named", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mammoflow-models-"));
    try {
      await writeFile(path.join(dir, "detector.onnx"), "abc");
      await writeFile(path.join(dir, "ensemble.onnx"), "");
      await writeFile(
        path.join(dir, "ensemble.json"),
        JSON.stringify({ folds: 4, sources: ["convnext_fold_0.pth.tar"] }),
      );
      const record = await modelsRecord(path.join(dir, "detector.onnx"), path.join(dir, "ensemble.onnx"), dir);
      // sha256("abc") and sha256("") (FIPS 180-2 examples).
      expect(record.detector).toEqual({
        file: "detector.onnx",
        sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      });
      expect(record.classifier).toEqual({
        file: "ensemble.onnx",
        sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        card: { folds: 4, sources: ["convnext_fold_0.pth.tar"] },
      });
      expect(Object.keys(record.versions)).toEqual(["mammoflow", "onnxruntime-node", "node"]);
      await writeModelsRecord(path.join(dir, "0"), record);
      expect(await readModelsRecords(dir)).toEqual([{ file: path.join(dir, "0", MODELS_FILE), record }]);
      await mkdir(path.join(dir, "1"));
      await writeFile(path.join(dir, "1", MODELS_FILE), "{");
      await expect(readModelsRecords(dir)).rejects.toThrow(`${path.join(dir, "1", MODELS_FILE)}: not JSON`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
