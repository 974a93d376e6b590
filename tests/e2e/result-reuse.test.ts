import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { detectorManifest, tempStorage, writeDetectorCheckpoint, writeManifest } from "../support/local-storage.ts";
import { mammoflow } from "../support/mammoflow-cli.ts";

const sha = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

// Reuse keyed by content (issue 15), one rule (issue 17), the result cache (issue 14), with the
// built command and the real export-onnx stage: two detectors import the same checkpoint file.
describe("mammoflow run reuses results by content", () => {
  let storage: string;
  let manifest: string;
  const onnxOf = (name: string) =>
    path.join(storage, `runs/local/RoiDetectorTraining/${name}/export-onnx/detector.onnx`);
  let firstOnnx: string;

  beforeAll(async () => {
    storage = await tempStorage("mammoflow-reuse-");
    await writeDetectorCheckpoint(path.join(storage, "assets/trained/detector.pth"), 0);
    const detector = (name: string) => detectorManifest(name, "assets/trained/detector.pth");
    manifest = await writeManifest(
      path.join(storage, "detectors.yaml"),
      [detector("first"), "---", detector("second")].join("\n"),
    );
  }, 120_000);

  it("runs the work once: a second resource asking the same reuses the first's result and says so", {
    timeout: 600_000,
  }, async () => {
    const { code, stdout, stderr } = await mammoflow("run", manifest, "--storage", storage);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("[1/2] RoiDetectorTraining/first export-onnx: running, log ");
    expect(stdout).toContain(
      "[2/2] RoiDetectorTraining/second export-onnx: reused from RoiDetectorTraining/first/export-onnx\n",
    );
    expect(stdout).toContain("mammoflow run: done (1 ran, 0 already done, 1 reused from other resources)");
    firstOnnx = await sha(onnxOf("first"));
    expect(await sha(onnxOf("second"))).toBe(firstOnnx);
    const result = JSON.parse(
      await readFile(path.join(storage, "runs/local/RoiDetectorTraining/second/export-onnx/result.json"), "utf8"),
    );
    expect(result.reusedFrom).toEqual({
      resource: "RoiDetectorTraining/first",
      namespace: "local",
      stage: "export-onnx",
      outputDir: "runs/local/RoiDetectorTraining/first/export-onnx",
    });
  });

  it("runs again what reads a data file fixed in place, and its output changes", { timeout: 600_000 }, async () => {
    await writeDetectorCheckpoint(path.join(storage, "assets/trained/detector.pth"), 1);
    const { code, stdout } = await mammoflow("run", manifest, "--storage", storage);
    expect(code).toBe(0);
    expect(stdout).toContain("[1/2] RoiDetectorTraining/first export-onnx: running (input 'checkpoint' changed), log ");
    expect(stdout).toContain(
      "[2/2] RoiDetectorTraining/second export-onnx: reused from RoiDetectorTraining/first/export-onnx\n",
    );
    const fixed = await sha(onnxOf("first"));
    expect(fixed).not.toBe(firstOnnx);
    expect(await sha(onnxOf("second"))).toBe(fixed);
  });

  it("reuses everything while nothing changed", { timeout: 300_000 }, async () => {
    const { code, stdout } = await mammoflow("run", manifest, "--storage", storage);
    expect(code).toBe(0);
    expect(stdout).toContain("[1/2] RoiDetectorTraining/first export-onnx: already done\n");
    // The copy the last run made is now the second resource's own result.
    expect(stdout).toContain("[2/2] RoiDetectorTraining/second export-onnx: already done\n");
    expect(stdout).toContain("mammoflow run: done (0 ran, 2 already done)");
  });

  it("--force KIND/NAME runs that resource's stages whatever stands", { timeout: 600_000 }, async () => {
    const { code, stdout } = await mammoflow(
      "run",
      manifest,
      "--storage",
      storage,
      "--force",
      "RoiDetectorTraining/second",
    );
    expect(code).toBe(0);
    expect(stdout).toContain("[1/2] RoiDetectorTraining/first export-onnx: already done\n");
    expect(stdout).toContain("[2/2] RoiDetectorTraining/second export-onnx: running (forced), log ");
    expect(stdout).toContain("mammoflow run: done (1 ran, 1 already done)");
    const result = JSON.parse(
      await readFile(path.join(storage, "runs/local/RoiDetectorTraining/second/export-onnx/result.json"), "utf8"),
    );
    expect(result.reusedFrom).toBeUndefined();
  });

  it("--force naming no resource or stage of the run is a usage error that names it", {
    timeout: 120_000,
  }, async () => {
    const unknown = await mammoflow("run", manifest, "--storage", storage, "--force", "RoiDetectorTraining/third");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      "mammoflow run: --force RoiDetectorTraining/third: no resource RoiDetectorTraining/third in this run (known: RoiDetectorTraining/first, RoiDetectorTraining/second)\n",
    );
    const stage = await mammoflow("run", manifest, "--storage", storage, "--force", "RoiDetectorTraining/first/train");
    expect(stage.code).toBe(2);
    expect(stage.stderr).toBe(
      "mammoflow run: --force RoiDetectorTraining/first/train: RoiDetectorTraining/first has no stage 'train' (its stages: export-onnx)\n",
    );
  });
});
