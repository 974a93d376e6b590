import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DETECTOR_CHECKPOINT,
  detectorManifest,
  manifestYaml,
  tempStorage,
  writeDetectorCheckpoint,
  writeManifest,
} from "../support/local-storage.ts";
import { mammoflow } from "../support/mammoflow-cli.ts";

const run = promisify(execFile);

// The local runner on a real stage: a RoiDetectorTraining that imports a (randomly initialised)
// YOLOX-nano checkpoint in the seed's format runs export-onnx in the Python package.
describe("mammoflow run (local runner)", () => {
  let storage: string;
  let manifest: string;

  beforeAll(async () => {
    storage = await tempStorage("mammoflow-run-");
    await writeDetectorCheckpoint(path.join(storage, DETECTOR_CHECKPOINT));
    manifest = await writeManifest(path.join(storage, "detector.yaml"), detectorManifest("winner"));
  }, 300_000);

  it("runs the stage as a child process and reports its artifacts", { timeout: 300_000 }, async () => {
    const { code, stdout, stderr } = await mammoflow("run", manifest, "--storage", storage);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("[1/1] RoiDetectorTraining/winner export-onnx: running");
    const onnx = path.join(storage, "runs/local/RoiDetectorTraining/winner/export-onnx/detector.onnx");
    expect(stdout).toContain(`onnx: ${onnx}`);
    expect((await stat(onnx)).size).toBeGreaterThan(100_000);
    const request = JSON.parse(
      await readFile(path.join(storage, "runs/local/RoiDetectorTraining/winner/export-onnx/request.json"), "utf8"),
    );
    expect(request).toMatchObject({
      stage: "export-onnx",
      owner: { kind: "RoiDetectorTraining", namespace: "local", name: "winner" },
      inputs: { checkpoint: "assets/trained/yolox_nano_416_roi_torch.pth" },
    });
  });

  it("skips a stage whose result matches the request on the next run", { timeout: 120_000 }, async () => {
    const { code, stdout } = await mammoflow("run", manifest, "--storage", storage);
    expect(code).toBe(0);
    expect(stdout).toContain("[1/1] RoiDetectorTraining/winner export-onnx: already done");
    expect(stdout).toContain("(0 ran, 1 already done)");
  });

  it("--dry-run prints the plan and what would be reused, and starts nothing", { timeout: 120_000 }, async () => {
    const { code, stdout, stderr } = await mammoflow("run", manifest, "--storage", storage, "--dry-run");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        `mammoflow run --dry-run: 1 resource(s) under ${storage}; nothing was started`,
        "RoiDetectorTraining/winner",
        "  export-onnx: already done, would be reused",
        "    checkpoint: assets/trained/yolox_nano_416_roi_torch.pth",
        "would run 0, then up to 0 more; 1 would be reused; 0 held",
        "preflight: every input is there and the machine has what the stages need",
        "",
      ].join("\n"),
    );
    const json = await mammoflow("run", manifest, "--storage", storage, "--dry-run", "-o", "json");
    expect(JSON.parse(json.stdout)).toEqual({
      storageRoot: storage,
      dryRun: true,
      resources: [
        {
          resource: "RoiDetectorTraining/winner",
          execute: true,
          stages: [
            {
              stage: "export-onnx",
              inputs: { checkpoint: "assets/trained/yolox_nano_416_roi_torch.pth" },
              decision: "done",
            },
          ],
        },
      ],
      preflight: "ok",
    });
  });

  it("-o json prints only the result document on stdout (stages, artifacts), the progress on stderr", async () => {
    const { code, stdout, stderr } = await mammoflow("run", manifest, "--storage", storage, "-o", "json");
    expect(code).toBe(0);
    expect(stderr).toContain("[1/1] RoiDetectorTraining/winner export-onnx: already done");
    expect(JSON.parse(stdout)).toEqual({
      storageRoot: storage,
      stages: [{ resource: "RoiDetectorTraining/winner", stage: "export-onnx", outcome: "cached", seconds: 0 }],
      artifacts: [
        { name: "onnx", path: path.join(storage, "runs/local/RoiDetectorTraining/winner/export-onnx/detector.onnx") },
        {
          name: "modelCard",
          path: path.join(storage, "runs/local/RoiDetectorTraining/winner/export-onnx/detector.json"),
        },
      ],
      // The last stage's own metrics: export-onnx compares ONNX Runtime's output with PyTorch's.
      metrics: { maxAbsDiffOnnxVsTorch: expect.any(Number) },
      // No stage went on without some of its items.
      skipped: [],
      // Each resource's status, as its status.json holds it.
      statuses: {
        "RoiDetectorTraining/winner": JSON.parse(
          await readFile(path.join(storage, "runs/local/RoiDetectorTraining/winner/status.json"), "utf8"),
        ),
      },
    });
    expect(JSON.parse(stdout).statuses["RoiDetectorTraining/winner"].phase).toBe("Succeeded");
    expect(JSON.parse(stdout).metrics.maxAbsDiffOnnxVsTorch).toBeLessThan(1e-4);
  });

  it("names the stage, the request and the log when a stage fails", { timeout: 300_000 }, async () => {
    // A torch file without the YOLOX checkpoint's 'model' entry: export-onnx refuses it (BadInput).
    const script = "import sys, torch; torch.save({'weights': torch.zeros(1)}, sys.argv[1])";
    await run(".venv/bin/python", ["-c", script, path.join(storage, "assets/trained/broken.pth")]);
    const broken = await writeManifest(
      path.join(storage, "broken.yaml"),
      manifestYaml("RoiDetectorTraining", "broken", ["checkpoint: assets/trained/broken.pth"]),
    );
    const { code, stderr } = await mammoflow("run", broken, "--storage", storage);
    expect(code).toBe(1);
    const folder = path.join(storage, "runs/local/RoiDetectorTraining/broken/export-onnx");
    expect(stderr).toContain("stage export-onnx of RoiDetectorTraining/broken failed (exit 2)");
    expect(stderr).toContain(`request: ${folder}/request.json`);
    expect(stderr).toContain(`log:     ${folder}/stage.log`);
    expect(stderr).toContain("broken.pth has no 'model' state dict");
  });

  it("keeps a log per attempt: a retry writes the next one and names it", { timeout: 300_000 }, async () => {
    const folder = path.join(storage, "runs/local/RoiDetectorTraining/broken/export-onnx");
    const first = await readFile(path.join(folder, "stage.log"), "utf8");
    const { code, stderr } = await mammoflow("run", path.join(storage, "broken.yaml"), "--storage", storage);
    expect(code).toBe(1);
    expect(stderr).toContain("stage export-onnx of RoiDetectorTraining/broken failed (exit 2)");
    expect(stderr).toContain(`log:     ${folder}/stage.attempt-2.log`);
    // The first attempt's log is as it was; each log holds the one command of its attempt.
    expect(await readFile(path.join(folder, "stage.log"), "utf8")).toBe(first);
    const second = await readFile(path.join(folder, "stage.attempt-2.log"), "utf8");
    for (const log of [first, second]) expect(log.match(/^\$ /gm)).toHaveLength(1);
    expect(second).toContain("broken.pth has no 'model' state dict");
  });

  it("refuses a run with a missing input before starting any stage", { timeout: 120_000 }, async () => {
    const missing = await writeManifest(
      path.join(storage, "missing.yaml"),
      manifestYaml("RoiDetectorTraining", "missing", ["checkpoint: assets/trained/absent.pth"]),
    );
    const { code, stdout, stderr } = await mammoflow("run", missing, "--storage", storage);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      `mammoflow run: 1 input(s) missing under ${storage}; nothing was started:\n` +
        "  assets/trained/absent.pth: read by RoiDetectorTraining/missing export-onnx (inputs.checkpoint); named by RoiDetectorTraining/missing spec.checkpoint; put it there or change that field\n",
    );
    await expect(stat(path.join(storage, "runs/local/RoiDetectorTraining/missing"))).rejects.toThrow("ENOENT");
    // A dry run prints the plan, then the same refusal.
    const dry = await mammoflow("run", missing, "--storage", storage, "--dry-run");
    expect(dry.code).toBe(2);
    expect(dry.stdout).toContain("  export-onnx: would run");
    expect(dry.stderr).toBe(stderr);
    await expect(stat(path.join(storage, "runs/local/RoiDetectorTraining/missing"))).rejects.toThrow("ENOENT");
  });
});
