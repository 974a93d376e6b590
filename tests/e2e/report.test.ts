import { copyFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STAGE_API_VERSION } from "../../jobs/contract/request.ts";
import { readThumbnailIndex } from "../../jobs/ts/report/thumbnails.ts";
import { runStage, sha256File } from "../../jobs/ts/runtime/index.ts";
import { TS_STAGES } from "../../jobs/ts/stages.ts";
import { testModels } from "../parity/inference/support.ts";
import { REPO_ROOT } from "../parity/support/dicom-fixtures.ts";

// The bundled sample studies through the real predict and aggregate stages with the small test
// models: predict leaves the thumbnails and models.json, and the report is built from them
// without reading a single DICOM file (its images input is an empty folder).
describe("report.html from the predict and aggregate stages", () => {
  let storage: string;
  const logs: string[] = [];
  const common = { apiVersion: STAGE_API_VERSION, owner: { kind: "Submission", namespace: "local", name: "report" } };

  async function run(stage: "predict" | "aggregate", request: Record<string, unknown>): Promise<void> {
    const file = path.join(storage, `${stage}.json`);
    await writeFile(file, JSON.stringify({ ...common, stage, ...request }));
    const code = await runStage(TS_STAGES, stage, file, {
      storageRoot: storage,
      log: (l) => logs.push(l),
      print: () => {},
    });
    expect(code, logs.join("\n")).toBe(0);
  }

  beforeAll(async () => {
    storage = await mkdtemp(path.join(REPO_ROOT, "tmp/report-e2e-"));
    const models = await testModels();
    await mkdir(path.join(storage, "models"));
    await copyFile(models.detector, path.join(storage, "models/detector.onnx"));
    await copyFile(models.ensemble, path.join(storage, "models/ensemble.onnx"));
    // The card export-onnx writes: the ensemble from the demo checkpoints.
    await writeFile(
      path.join(storage, "models/ensemble.json"),
      JSON.stringify({
        architecture: "convnext_atto",
        folds: 4,
        sources: [0, 1, 2, 3].map((k) => `convnext_fold_${k}.pth.tar`),
      }),
    );
    await mkdir(path.join(storage, "empty-images"));
    await cp(path.join(REPO_ROOT, "assets/samples/test_images"), path.join(storage, "test_images"), {
      recursive: true,
    });
    for (const file of ["test.csv", "labels.csv"])
      await copyFile(path.join(REPO_ROOT, "assets/samples", file), path.join(storage, file));
    await run("predict", {
      inputs: {
        csv: "test.csv",
        images: "test_images",
        detector: "models/detector.onnx",
        engine: "models/ensemble.onnx",
      },
      parameters: { runtime: { threads: 1, workers: 0 } },
      outputDir: "runs/predict",
    });
    await run("aggregate", {
      inputs: { predictions: "runs/predict", csv: "test.csv", images: "empty-images", labels: "labels.csv" },
      parameters: { aggregation: { threshold: 0.5 } },
      outputDir: "runs/aggregate",
    });
  }, 300_000);
  afterAll(async () => {
    if (storage) await rm(storage, { recursive: true, force: true });
  });

  it("predictions from before predict made thumbnails: the shown breasts' images are decoded here", async () => {
    await mkdir(path.join(storage, "runs/predict-old"));
    await copyFile(
      path.join(storage, "runs/predict/probabilities.csv"),
      path.join(storage, "runs/predict-old/probabilities.csv"),
    );
    const file = path.join(storage, "aggregate-old.json");
    await writeFile(
      file,
      JSON.stringify({
        ...common,
        stage: "aggregate",
        inputs: { predictions: "runs/predict-old", csv: "test.csv", images: "test_images", labels: "labels.csv" },
        parameters: { aggregation: { threshold: 0.5 } },
        outputDir: "runs/aggregate-old",
      }),
    );
    const code = await runStage(TS_STAGES, "aggregate", file, {
      storageRoot: storage,
      log: (l) => logs.push(l),
      print: () => {},
    });
    expect(code, logs.join("\n")).toBe(0);
    const html = await readFile(path.join(storage, "runs/aggregate-old/report.html"), "utf8");
    expect(html.match(/src="data:image\/png;base64,/g)).toHaveLength(16);
    expect(html).toContain("the predictions carry no models.json (made before it was recorded): models unknown");
    expect(html).not.toContain('id="demo-banner"');
  }, 120_000);

  it("predict writes one small thumbnail per image and the models' digests", async () => {
    const result = JSON.parse(await readFile(path.join(storage, "runs/predict/result.json"), "utf8"));
    expect(result.artifacts.map((a: { name: string }) => a.name)).toEqual(["probabilities", "thumbnails", "models"]);
    const index = await readThumbnailIndex(path.join(storage, "runs/predict"));
    expect(index.size).toBe(16);
    for (const entry of index.values()) {
      expect(entry).toMatchObject({ width: 96, imageWidth: 464, imageHeight: 576 });
      expect((await readFile(entry.file)).length).toBeLessThan(8000);
    }
    const record = JSON.parse(await readFile(path.join(storage, "runs/predict/models.json"), "utf8"));
    expect(record.detector.file).toBe("models/detector.onnx");
    expect(record.detector.sha256).toBe(await sha256File(path.join(storage, "models/detector.onnx")));
    expect(record.classifier.card.folds).toBe(4);
  });

  it("the report inlines predict's thumbnails (no decode), shows the curves, the digests and the demo banner", async () => {
    const html = await readFile(path.join(storage, "runs/aggregate/report.html"), "utf8");
    await mkdir(path.join(REPO_ROOT, "tmp/artifacts"), { recursive: true });
    await writeFile(path.join(REPO_ROOT, "tmp/artifacts/report-e2e.html"), html);
    const aggregate = JSON.parse(await readFile(path.join(storage, "runs/aggregate/result.json"), "utf8"));
    expect(aggregate.problems).toEqual([]);
    expect(aggregate.artifacts.map((a: { name: string }) => a.name)).toEqual([
      "submission",
      "breastProbabilities",
      "reportTable",
      "report",
    ]);
    expect(html.match(/<tr class="breast /g)).toHaveLength(8);
    expect(html.match(/src="data:image\/jpeg;base64,/g)).toHaveLength(16);
    expect(html.match(/<rect class="box"/g)).toHaveLength(16);
    expect(html).toContain('<svg id="roc"');
    expect(html).toContain('<svg id="histogram"');
    expect(html).toContain('id="demo-banner"');
    expect(html).toContain(`sha256 <code>${await sha256File(path.join(storage, "models/ensemble.onnx"))}</code>`);
    expect(html).toContain(`<code>${aggregate.requestDigest}</code> (aggregate)`);
    expect(html.length).toBeLessThan(16 * 6000 + 60_000);
    const table = (await readFile(path.join(storage, "runs/aggregate/report-breasts.csv"), "utf8"))
      .trimEnd()
      .split("\n");
    expect(table).toHaveLength(9);
  });
});
