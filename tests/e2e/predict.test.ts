import { access, copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { beforeAll, describe, expect, it } from "vitest";
import { STAGE_API_VERSION } from "../../jobs/contract/request.ts";
import { runStage } from "../../jobs/ts/runtime/index.ts";
import { TS_STAGES } from "../../jobs/ts/stages.ts";
import { scratchDir, type TestModels, testModels } from "../parity/inference/support.ts";
import { GENERATED_DIR, generatedStudies } from "../parity/support/dicom-fixtures.ts";
import { mammoflow } from "../support/mammoflow-cli.ts";

/** Whether ONNX Runtime itself opens a session on the CUDA provider alone (no CPU in the list). */
async function cudaProviderLoads(model: string): Promise<{ loads: boolean; reason?: string }> {
  // The reason comes back in the error; ONNX Runtime's own log line would only repeat it.
  ort.env.logLevel = "fatal";
  try {
    const session = await ort.InferenceSession.create(model, {
      executionProviders: [{ name: "cuda", deviceId: 0 }],
      logSeverityLevel: 4,
    });
    await session.release();
    return { loads: true };
  } catch (error) {
    return { loads: false, reason: String(error).split("\n")[0] };
  }
}

interface TestSet {
  root: string;
  csv: string;
  images: string;
  labels: string;
  rows: { patientId: string; imageId: string; laterality: string }[];
}

/**
 * A competition-style test set from the synthetic studies (every variant, JPEG 2000 and JPEG
 * Lossless): two images per breast, most under <patient_id>/, some flat; plus a truncated file
 * in a breast that has another image, and a breast whose only image is missing.
 */
async function buildTestSet(): Promise<TestSet> {
  const studies = await generatedStudies(path.join(GENERATED_DIR, "samples"), ["--set", "samples"]);
  const root = await scratchDir();
  const images = path.join(root, "test_images");
  const rows: TestSet["rows"] = [];
  for (const [i, entry] of studies.files.entries()) {
    const patientId = String(500 + Math.floor(i / 4));
    const row = { patientId, imageId: String(9000 + i), laterality: i % 4 < 2 ? "L" : "R" };
    const flat = i % 5 === 0;
    const target = flat ? path.join(images, `${row.imageId}.dcm`) : path.join(images, patientId, `${row.imageId}.dcm`);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(studies.dir, entry.file), target);
    rows.push(row);
  }
  const first = rows[0] as TestSet["rows"][number];
  const truncated = { patientId: first.patientId, imageId: "8001", laterality: first.laterality };
  const bytes = await readFile(path.join(images, `${first.imageId}.dcm`));
  await mkdir(path.join(images, truncated.patientId), { recursive: true });
  await writeFile(path.join(images, truncated.patientId, "8001.dcm"), bytes.subarray(0, 700));
  rows.push(truncated, { patientId: "777", imageId: "8002", laterality: "L" });
  const csv = path.join(root, "test.csv");
  await writeFile(
    csv,
    `site_id,patient_id,image_id,laterality,view,age\n${rows.map((r) => `1,${r.patientId},${r.imageId},${r.laterality},CC,60`).join("\n")}\n`,
  );
  const breasts = [...new Set(rows.map((r) => `${r.patientId}_${r.laterality}`))].sort();
  const labels = path.join(root, "labels.csv");
  await writeFile(labels, `prediction_id,cancer\n${breasts.map((b, i) => `${b},${i % 3 === 0 ? 1 : 0}`).join("\n")}\n`);
  return { root, csv, images, labels, rows };
}

describe("predict end to end: DICOM → ROI → crop → window → ensemble → submission.csv", () => {
  let models: TestModels;
  let set: TestSet;
  beforeAll(async () => {
    [models, set] = await Promise.all([testModels(), buildTestSet()]);
  }, 900_000);

  it("mammoflow predict scores every readable image, reports the bad ones, and evaluate scores the result", async () => {
    const out = path.join(set.root, "submission.csv");
    const probs = path.join(set.root, "probs.csv");
    const run = await mammoflow(
      "predict",
      ...["--csv", set.csv, "--images", set.images, "--detector", models.confidentDetector],
      ...["--classifier", models.ensemble, "--out", out, "--probs", probs, "--workers", "2", "--threads", "1"],
    );
    expect(run.stderr).toContain("failed  8001:");
    expect(run.stderr).toMatch(/failed {2}8001: .*8001\.dcm: /);
    expect(run.stderr).toContain("failed  8002: no DICOM file for image 8002");
    expect(run.stderr).toContain("missing 777_L: no image could be scored; written as 0");
    expect(run.code, run.stderr).toBe(0);
    const total = set.rows.length;
    // Not a terminal: progress lines (the first at once, the last at the end) with rate and ETA.
    const progress = run.stderr
      .split("\n")
      .filter((line) => line.startsWith("predict: ") && line.includes(" images ("));
    expect(progress[0]).toMatch(new RegExp(`^predict: 1/${total} images \\(\\d+%\\)`));
    expect(progress.at(-1)).toMatch(
      new RegExp(`^predict: ${total}/${total} images \\(100%\\), 2 failed, [\\d.]+ images/s, ETA 0s$`),
    );
    expect(run.stdout).toContain(`predict: ${total - 2} of ${total} images scored`);

    const submission = (await readFile(out, "utf8")).trimEnd().split("\n");
    const breasts = [...new Set(set.rows.map((r) => `${r.patientId}_${r.laterality}`))].sort();
    expect(submission[0]).toBe("prediction_id,cancer");
    expect(submission.slice(1).map((l) => l.split(",")[0])).toEqual(breasts);
    expect(submission.slice(1).every((l) => /,[01]$/.test(l))).toBe(true);

    const lines = (await readFile(probs, "utf8")).trimEnd().split("\n");
    expect(lines[0]).toBe(
      "image_id,patient_id,laterality,prediction_id,x0,y0,x1,y1,roi,fold_0,fold_1,fold_2,fold_3,mean,error",
    );
    expect(lines).toHaveLength(total + 1);
    const scored = lines.slice(1).filter((l) => l.endsWith(","));
    expect(scored).toHaveLength(total - 2);
    for (const line of scored) {
      const cells = line.split(",");
      expect(["yolox", "otsu", "full"]).toContain(cells[8]);
      const folds = cells.slice(9, 13).map(Number);
      const mean = Number(cells[13]);
      for (const p of folds) expect(p).toBeGreaterThan(0);
      expect(Math.abs(mean - folds.reduce((a, b) => a + b) / 4)).toBeLessThan(1e-6);
    }

    const evaluation = await mammoflow("evaluate", "--probs", probs, "--labels", set.labels, "--json");
    expect(evaluation.code, evaluation.stderr).toBe(0);
    const metrics = JSON.parse(evaluation.stdout);
    // 777_L has no scored image: it counts as 0, the value submission.csv carries for it.
    expect(metrics.breasts).toBe(breasts.length);
    for (const key of ["pF1", "f1AtThreshold", "bestF1", "auc"]) {
      expect(metrics[key]).toBeGreaterThanOrEqual(0);
      expect(metrics[key]).toBeLessThanOrEqual(1);
    }
  }, 600_000);

  // The CLI prepares images on 2 worker threads, the stage on its own thread: same submission.
  // Compares with the previous test's submission.csv, so it runs after it (vitest keeps file order).
  it("the predict stage in 2 shards + aggregate give the CLI's submission, with metrics", async () => {
    const storage = set.root;
    const rel = (p: string) => path.relative(storage, p);
    // The detector as an export stage leaves it (a folder with one .onnx), the engine as a file.
    await mkdir(path.join(storage, "models/detector"), { recursive: true });
    await copyFile(models.confidentDetector, path.join(storage, "models/detector/detector.onnx"));
    await copyFile(models.ensemble, path.join(storage, "models/ensemble.onnx"));
    const common = {
      apiVersion: STAGE_API_VERSION,
      owner: { kind: "Submission", namespace: "local", name: "e2e" },
    };
    const logs: string[] = [];
    for (const index of [0, 1]) {
      const request = path.join(storage, `predict-${index}.json`);
      await writeFile(
        request,
        JSON.stringify({
          ...common,
          stage: "predict",
          inputs: {
            csv: rel(set.csv),
            images: rel(set.images),
            detector: "models/detector",
            engine: "models/ensemble.onnx",
          },
          parameters: {
            roi: {},
            pixels: { windowParamPrecision: "Float16ForDaliSyntaxes" },
            // On the CPU, as before the stage took the API's default provider (Auto) for one left out.
            runtime: { executionProvider: "Cpu", threads: 1, workers: 0 },
          },
          outputDir: `runs/predict/${index}`,
          shard: { index, count: 2 },
        }),
      );
      const code = await runStage(TS_STAGES, "predict", request, {
        storageRoot: storage,
        log: (l) => logs.push(l),
        print: () => {},
      });
      expect(code, logs.join("\n")).toBe(0);
    }
    const shard1 = JSON.parse(await readFile(path.join(storage, "runs/predict/1/result.json"), "utf8"));
    expect(shard1.outcome).toBe("Succeeded");
    expect(shard1.metrics.images).toBe(set.rows.length - Math.floor(set.rows.length / 2));
    expect(shard1.metrics.failedImages).toBe(2);
    expect(shard1.problems.map((p: { item: string }) => p.item)).toEqual(["8001", "8002"]);

    const request = path.join(storage, "aggregate.json");
    await writeFile(
      request,
      JSON.stringify({
        ...common,
        stage: "aggregate",
        inputs: { predictions: "runs/predict", csv: rel(set.csv), labels: rel(set.labels) },
        parameters: { aggregation: { threshold: 0.31 }, shards: 2 },
        outputDir: "runs/aggregate",
      }),
    );
    const code = await runStage(TS_STAGES, "aggregate", request, {
      storageRoot: storage,
      log: (l) => logs.push(l),
      print: () => {},
    });
    expect(code, logs.join("\n")).toBe(0);
    const result = JSON.parse(await readFile(path.join(storage, "runs/aggregate/result.json"), "utf8"));
    expect(result.artifacts.map((a: { name: string }) => a.name)).toEqual(["submission", "breastProbabilities"]);
    expect(result.metrics.missingBreasts).toBe(1);
    expect(result.metrics.pF1).toBeGreaterThanOrEqual(0);
    expect(await readFile(path.join(storage, "runs/aggregate/submission.csv"), "utf8")).toBe(
      await readFile(path.join(set.root, "submission.csv"), "utf8"),
    );
  }, 600_000);

  it("--provider cuda runs on the CUDA provider where ONNX Runtime can load it, and fails clearly (exit 2) where it cannot", async () => {
    // Asked of ONNX Runtime directly, not of our session code: can a session run on CUDA here?
    const cuda = await cudaProviderLoads(models.detector);
    const out = path.join(set.root, "cuda.csv");
    const run = await mammoflow(
      "predict",
      ...["--csv", set.csv, "--images", set.images, "--detector", models.detector, "--classifier", models.ensemble],
      ...["--out", out, "--provider", "cuda", "--workers", "1", "--threads", "1"],
    );
    if (cuda.loads) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain("detector on Cuda, classifier on Cuda");
      expect((await readFile(out, "utf8")).split("\n")[0]).toBe("prediction_id,cancer");
    } else {
      expect(run.code, `ONNX Runtime refused CUDA here (${cuda.reason}), so predict must too`).toBe(2);
      expect(run.stderr).toMatch(/the Cuda execution provider is not available \(.*\); onnxruntime-node ships/);
      await expect(access(out)).rejects.toThrow();
    }
  }, 600_000);
});
