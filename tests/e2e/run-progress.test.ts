import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { lastProgress } from "../../jobs/contract/index.ts";
import { DETECTOR_CHECKPOINT, detectorManifest, tempStorage, writeManifest } from "../support/local-storage.ts";
import { runMammoflow } from "../support/mammoflow-cli.ts";

/**
 * A stand-in for the Python interpreter (MAMMOFLOW_PYTHON): `-m mammoflow_jobs STAGE --request F
 * --storage-root R` logs three progress events as the stages do (JSON lines on stderr) and writes
 * a Succeeded result.json for the request, so the runner's display is tested without training.
 */
const FAKE_STAGE = `#!/usr/bin/env node
const { createHash } = require("node:crypto");
const { readFileSync, writeFileSync } = require("node:fs");
const path = require("node:path");
const args = process.argv.slice(2);
const requestFile = args[args.indexOf("--request") + 1];
const root = args[args.indexOf("--storage-root") + 1];
const bytes = readFileSync(requestFile);
const request = JSON.parse(bytes);
const event = (done, extra) =>
  process.stderr.write(JSON.stringify({ level: "info", logger: "mammoflow.progress", msg: "m",
    progress: { stage: request.stage, unit: "images", done, total: 3, ...extra } }) + "\\n");
process.stderr.write("a plain line\\n");
event(0);
event(1, { rate: 1, etaSeconds: 2 });
event(3, { rate: 1.5, etaSeconds: 0 });
const now = new Date().toISOString();
writeFileSync(path.join(root, request.outputDir, "result.json"), JSON.stringify({
  apiVersion: request.apiVersion, stage: request.stage, outcome: "Succeeded",
  requestDigest: createHash("sha256").update(bytes).digest("hex"),
  startedAt: now, finishedAt: now, artifacts: [], metrics: {}, problems: [] }));
`;

describe("mammoflow run shows each stage's log file and progress", () => {
  let storage: string;
  let manifest: string;
  let python: string;

  beforeAll(async () => {
    storage = await tempStorage("mammoflow-progress-");
    await mkdir(path.join(storage, "assets/trained"), { recursive: true });
    await writeFile(path.join(storage, DETECTOR_CHECKPOINT), "not read by the fake stage");
    python = path.join(storage, "fake-python");
    await writeFile(python, FAKE_STAGE);
    await chmod(python, 0o755);
    manifest = await writeManifest(path.join(storage, "detector.yaml"), detectorManifest("winner"));
  });

  it("names the log, prints the first and the last event (not a terminal), keeps them in the log", async () => {
    const { code, stdout, stderr } = await runMammoflow(["run", manifest, "--storage", storage], {
      env: { MAMMOFLOW_PYTHON: python },
    });
    expect(code, stderr).toBe(0);
    const folder = path.join(storage, "runs/local/RoiDetectorTraining/winner/export-onnx");
    const lines = stdout.split("\n").filter((line) => line.startsWith("[1/1]"));
    expect(lines.slice(0, 3)).toEqual([
      `[1/1] RoiDetectorTraining/winner export-onnx: running, log ${path.join(folder, "stage.log")}`,
      "[1/1] RoiDetectorTraining/winner export-onnx: 0/3 images (0%)",
      "[1/1] RoiDetectorTraining/winner export-onnx: 3/3 images (100%), 1.5 images/s, ETA 0s",
    ]);
    expect(lines[3]).toMatch(/^\[1\/1\] RoiDetectorTraining\/winner export-onnx: done in \d+\.\d s$/);
    expect(lines).toHaveLength(4);
    const log = await readFile(path.join(folder, "stage.log"), "utf8");
    expect(log).toContain("a plain line\n");
    expect(lastProgress(log)).toEqual({
      stage: "export-onnx",
      unit: "images",
      done: 3,
      total: 3,
      rate: 1.5,
      etaSeconds: 0,
    });
  }, 120_000);

  it("draws a bar on a terminal and leaves the last event as a line", async () => {
    // A fresh storage root (the first test's run is done), and `script` gives the run a
    // pseudo-terminal, as a person's shell would.
    const fresh = `${storage}-tty`;
    await mkdir(path.join(fresh, "assets/trained"), { recursive: true });
    await writeFile(path.join(fresh, "assets/trained/yolox_nano_416_roi_torch.pth"), "not read by the fake stage");
    const { code, stdout } = await runMammoflow(["run", manifest, "--storage", fresh], {
      env: { MAMMOFLOW_PYTHON: python },
      terminal: true,
    });
    expect(code, stdout).toBe(0);
    expect(stdout).toMatch(/\[1\/1\] RoiDetectorTraining\/winner export-onnx \[[█░]{24}\] \d\/3 images/);
    // The bar's line is cleared (ESC [2K), then the last event stays as a plain line.
    expect(stdout).toContain(
      "\u001b[2K[1/1] RoiDetectorTraining/winner export-onnx: 3/3 images (100%), 1.5 images/s, ETA 0s\r\n",
    );
  }, 120_000);
});
