import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DETECTOR_CHECKPOINT,
  tempStorage,
  writeDetectorCheckpoint,
  manifestYaml as yaml,
} from "../support/local-storage.ts";
import { mammoflow } from "../support/mammoflow-cli.ts";

// `mammoflow run` honours spec.suspend as the operator does: a suspended resource (every child
// of a suspended Reproduction) starts no stage, what needs it waits, and the run exits 3 saying
// which manifest holds it; a resource that already finished stays finished when suspended.
describe("mammoflow run under spec.suspend", () => {
  let storage: string;

  beforeAll(async () => {
    storage = await tempStorage("mammoflow-suspend-");
    // The Trained mode's inputs, present so that the preflight passes; none is read.
    const trained = path.join(storage, "assets/trained");
    await mkdir(trained, { recursive: true });
    await mkdir(path.join(storage, "datasets/raw/rsna-breast-cancer-detection/test_images"), { recursive: true });
    await writeFile(path.join(storage, "datasets/raw/rsna-breast-cancer-detection/test.csv"), "");
    for (const fold of [0, 1, 2, 3]) await writeFile(path.join(trained, `best_convnext_fold_${fold}.pth.tar`), "");
    await writeDetectorCheckpoint(path.join(storage, DETECTOR_CHECKPOINT));
  }, 120_000);

  it("starts no child of a suspended Reproduction, names each and exits 3", { timeout: 120_000 }, async () => {
    const manifest = path.join(storage, "reproduction.yaml");
    await writeFile(
      manifest,
      yaml("Reproduction", "r", ["mode: Trained", "suspend: true", "trainedAssets: assets/trained"]),
    );
    const { code, stdout, stderr } = await mammoflow("run", manifest, "--storage", storage);
    expect(code).toBe(3);
    expect(stderr).toBe("");
    const lines = stdout.split("\n");
    expect(lines).toContain(
      "RoiDetectorTraining/r-detector: suspended, spec.suspend is true (set on Reproduction/r); not started",
    );
    expect(lines).toContain(
      "EngineBuild/r-engine: suspended, spec.suspend is true (set on Reproduction/r); not started",
    );
    expect(lines).toContain(
      "Submission/r-submission: waits for RoiDetectorTraining/r-detector, which is suspended; not started",
    );
    expect(lines).toContain("mammoflow run: stopped (0 ran, 0 already done)");
    expect(lines).toContain(
      "mammoflow run: not finished: spec.suspend is true on Reproduction/r; 3 resource(s) did not start: RoiDetectorTraining/r-detector, EngineBuild/r-engine, Submission/r-submission",
    );
    expect(lines).toContain("  to run them, set spec.suspend to false (or remove it) in that manifest and run again");
    expect(stdout).not.toContain("running");
    // No stage folder was made: each resource has only its status, Suspended as on a cluster.
    const statusFile = (key: string) => path.join(storage, "runs/local", key, "status.json");
    const held = ["RoiDetectorTraining/r-detector", "EngineBuild/r-engine", "Submission/r-submission"];
    for (const key of [...held, "Reproduction/r"]) {
      expect(await readdir(path.dirname(statusFile(key)))).toEqual(["status.json"]);
    }

    const json = await mammoflow("run", manifest, "--storage", storage, "-o", "json");
    expect(json.code).toBe(3);
    const document = JSON.parse(json.stdout);
    expect(document).toMatchObject({
      stages: [],
      held: [
        { resource: "RoiDetectorTraining/r-detector", origin: "Reproduction/r", suspended: true },
        { resource: "EngineBuild/r-engine", origin: "Reproduction/r", suspended: true },
        { resource: "Submission/r-submission", origin: "Reproduction/r", waitsFor: "RoiDetectorTraining/r-detector" },
      ],
    });
    // Each resource's status as its status.json holds it, in the order the run wrote them.
    expect(Object.keys(document.statuses)).toEqual([held[0], "Reproduction/r", held[1], held[2]]);
    for (const [key, status] of Object.entries(document.statuses)) {
      expect(status).toEqual(JSON.parse(await readFile(statusFile(key), "utf8")));
      expect((status as { phase: string }).phase).toBe("Suspended");
    }
  });

  it("keeps a finished resource finished when it is suspended afterwards", { timeout: 300_000 }, async () => {
    const manifest = path.join(storage, "detector.yaml");
    const spec = ["checkpoint: assets/trained/yolox_nano_416_roi_torch.pth", "placement: {gpusPerPod: 0}"];
    await writeFile(manifest, yaml("RoiDetectorTraining", "winner", spec));
    const first = await mammoflow("run", manifest, "--storage", storage);
    expect(first.code).toBe(0);
    await writeFile(manifest, yaml("RoiDetectorTraining", "winner", [...spec, "suspend: true"]));
    const { code, stdout } = await mammoflow("run", manifest, "--storage", storage);
    expect(code).toBe(0);
    expect(stdout).toContain("[1/1] RoiDetectorTraining/winner export-onnx: already done");
    expect(stdout).toContain("mammoflow run: done (0 ran, 1 already done)");
    expect(stdout).not.toContain("suspended");
  });
});
