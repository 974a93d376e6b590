import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { tempStorage } from "../support/local-storage.ts";
import { type CliResult, mammoflow } from "../support/mammoflow-cli.ts";

const CHROMIUM = process.env.MAMMOFLOW_CHROMIUM ?? "/usr/bin/chromium";

// The README's first command, from a clean storage folder: crds/samples/demo.yaml on the bundled
// studies with the demo models, through the local runner and the real stage programs.
describe("the demo (crds/samples/demo.yaml)", () => {
  let storage: string;
  let output: CliResult;
  const aggregateDir = () => path.join(storage, "runs/local/Submission/demo/aggregate");

  beforeAll(async () => {
    storage = await tempStorage("mammoflow-demo-");
    output = await mammoflow("run", "crds/samples/demo.yaml", "--storage", storage, "--link-assets");
  }, 1_200_000);

  it("runs every stage and names the CSV and the report", async () => {
    expect(output.stderr).toBe("");
    expect(output.code).toBe(0);
    expect(output.stdout).toContain("Submission/demo aggregate: done");
    expect(output.stdout).toContain(`submission: ${path.join(aggregateDir(), "submission.csv")}`);
    expect(output.stdout).toContain(`report: ${path.join(aggregateDir(), "report.html")}`);
    // The run ends with the score against labels.csv, which the aggregate stage also recorded.
    const result = JSON.parse(await readFile(path.join(aggregateDir(), "result.json"), "utf8"));
    expect(output.stdout).toContain(
      `scored against the labels (8 breasts): ROC AUC ${result.metrics.auc.toFixed(3)}, pF1 ${result.metrics.pF1.toFixed(3)} at threshold 0.31\n`,
    );
  });

  it("scores the sample breasts right: the demo folds were fitted on phantoms with and without a mass", async () => {
    // Random-weight folds gave AUC 0.5 (every breast "cancer"); the fitted heads rank both mass
    // breasts (10002_R, 10004_L) above the six others.
    const result = JSON.parse(await readFile(path.join(aggregateDir(), "result.json"), "utf8"));
    expect(result.metrics.auc).toBeGreaterThanOrEqual(0.9);
    const rows = (await readFile(path.join(aggregateDir(), "breast-probabilities.csv"), "utf8")).trim().split("\n");
    const score = new Map(rows.slice(1).map((line) => [line.split(",")[0], Number(line.split(",")[1])]));
    const masses = [score.get("10002_R") ?? 0, score.get("10004_L") ?? 0];
    const others = [...score].filter(([id]) => id !== "10002_R" && id !== "10004_L").map(([, p]) => p);
    expect(others).toHaveLength(6);
    expect(Math.min(...masses)).toBeGreaterThan(Math.max(...others));
  });

  it("writes one row per prediction_id of test.csv, header prediction_id,cancer", async () => {
    const testCsv = (await readFile("assets/samples/test.csv", "utf8")).trim().split("\n");
    const column = testCsv[0]?.split(",").indexOf("prediction_id") ?? -1;
    const expected = [...new Set(testCsv.slice(1).map((line) => line.split(",")[column]))].sort();
    const submission = (await readFile(path.join(aggregateDir(), "submission.csv"), "utf8")).trim().split("\n");
    expect(submission[0]).toBe("prediction_id,cancer");
    expect(submission.slice(1).map((line) => line.split(",")[0])).toEqual(expected);
    for (const line of submission.slice(1)) expect(line).toMatch(/^\d+_[LR],[01]$/);
  });

  it("gives the same CSV as `mammoflow predict` on the same inputs and models", { timeout: 600_000 }, async () => {
    const out = path.join(storage, "predict-cli.csv");
    const { code, stderr } = await mammoflow(
      "predict",
      "--csv",
      "assets/samples/test.csv",
      "--images",
      "assets/samples/test_images",
      "--detector",
      path.join(storage, "runs/local/RoiDetectorTraining/demo-detector/export-onnx/detector.onnx"),
      "--classifier",
      path.join(storage, "runs/local/EngineBuild/demo-ensemble/export-onnx/ensemble.onnx"),
      "--out",
      out,
    );
    expect(stderr.match(/error/i) ?? []).toEqual([]);
    expect(code).toBe(0);
    expect(await readFile(out, "utf8")).toBe(await readFile(path.join(aggregateDir(), "submission.csv"), "utf8"));
  });

  it("shows every breast and image in report.html, rendered in Chromium", { timeout: 120_000 }, async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      await page.goto(`file://${path.join(aggregateDir(), "report.html")}`);
      expect(await page.locator("tr.breast").count()).toBe(8);
      expect(await page.locator("figure img").count()).toBe(16);
      expect(await page.locator("rect.box").count()).toBe(16);
      expect(await page.locator("#metrics").textContent()).toMatch(/pF1 at the threshold.*ROC AUC/s);
      expect(await page.locator("#summary").textContent()).toMatch(/^8 breasts, \d predicted cancer/);
      // The demo's models are marked as such, with the digests of the ONNX files the run exported.
      expect(await page.locator("#demo-banner").textContent()).toContain("the bundled demo models");
      const exported = JSON.parse(
        await readFile(path.join(storage, "runs/local/EngineBuild/demo-ensemble/export-onnx/result.json"), "utf8"),
      ) as { artifacts: { name: string; sha256?: string }[] };
      const onnx = exported.artifacts.find((a) => a.name === "onnx")?.sha256 ?? "no onnx artifact";
      expect(await page.locator("#provenance").textContent()).toContain(`sha256 ${onnx}`);
      expect(await page.locator("svg#roc path.curve").count()).toBe(1);
      await mkdir("tmp/artifacts", { recursive: true });
      await page.screenshot({ path: "tmp/artifacts/demo-report.png", fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
