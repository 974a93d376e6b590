import { mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { canonicalJson, sha256Hex } from "../../../jobs/contract/canonical-json.ts";
import type { StageRequest } from "../../../jobs/contract/request.ts";
import { checkReuse } from "../../../jobs/contract/reuse.ts";
import { ALL_KINDS, parseResource } from "../../../operator/api/index.ts";
import { dryRunLines, dryRunPlan } from "../../../operator/executors/local/dry-run.ts";
import { type LocalStep, planLocalRun } from "../../../operator/executors/local/index.ts";
import { stageRequests } from "../../../operator/pipeline/request.ts";
import { leaveFinishedStage } from "../../support/finished-stage.ts";
import { makeResource } from "../../support/manifests.ts";

const parse = (kind: string, name: string, spec: Record<string, unknown>) =>
  parseResource(ALL_KINDS, makeResource(kind, name, spec), `${kind}/${name}`);

const detector = parse("RoiDetectorTraining", "det", { checkpoint: "assets/det.pth" });
const engine = parse("EngineBuild", "ens", {
  source: "Trained",
  trainedCheckpoints: ["assets/f0.pth"],
  export: { tensorRT: false },
});
const submission = parse("Submission", "sub", {
  detector: { name: "det" },
  engine: { name: "ens" },
  testSet: { csv: "data/test.csv", images: "data/images" },
});

async function storageWithInputs(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "mammoflow-dry-run-"));
  await mkdir(path.join(root, "assets"));
  await mkdir(path.join(root, "data/images"), { recursive: true });
  for (const file of ["assets/det.pth", "assets/f0.pth", "data/test.csv", "data/images/1.dcm"])
    await writeFile(path.join(root, file), file);
  return root;
}

describe("mammoflow run --dry-run's plan", () => {
  it("lists every resource in order with its stages and inputs; what reads a stage that runs waits on it", async () => {
    const root = await storageWithInputs();
    const plan = await dryRunPlan(planLocalRun([submission, engine, detector]), { storageRoot: root });
    expect(
      plan.map((r) => [r.resource, r.stages.map((s) => `${s.stage}${s.shard ? ` ${s.shard}` : ""}: ${s.decision}`)]),
    ).toEqual([
      ["RoiDetectorTraining/det", ["export-onnx: run"]],
      ["EngineBuild/ens", ["export-onnx: run"]],
      ["Submission/sub", ["predict shard 1/1: after", "aggregate: after"]],
    ]);
    expect(plan[2]?.stages[0]).toEqual({
      stage: "predict",
      shard: "shard 1/1",
      inputs: {
        detector: "runs/local/RoiDetectorTraining/det/export-onnx",
        engine: "runs/local/EngineBuild/ens/export-onnx",
        csv: "data/test.csv",
        images: "data/images",
      },
      decision: "after",
      why: "reads the outputs of RoiDetectorTraining/det export-onnx, which runs first",
    });
    // No stage folder, result or link: only the digests of the inputs read (the reuse rule's cache).
    expect((await readdir(root)).sort()).toEqual([".mammoflow", "assets", "data"]);
    expect(await readdir(path.join(root, ".mammoflow"))).toEqual(["file-digests"]);
  });

  it("says a dependency of --only that has not run stops the run", async () => {
    const root = await storageWithInputs();
    const plan = await dryRunPlan(planLocalRun([submission, engine, detector], { only: "Submission/sub" }), {
      storageRoot: root,
    });
    const lines = dryRunLines(plan, root);
    expect(lines[0]).toBe(`mammoflow run --dry-run: 3 resource(s) under ${root}; nothing was started`);
    expect(lines).toContain("RoiDetectorTraining/det (not run (--only): must be complete)");
    expect(lines).toContain("  export-onnx: not complete: the run would stop here (no result yet)");
    expect(lines).toContain("    checkpoint: assets/det.pth");
    // predict runs (its inputs from det and ens are not there), aggregate reads what predict makes.
    expect(lines).toContain(
      "  aggregate: would run if what it reads changes (reads the outputs of Submission/sub predict, which runs first)",
    );
    expect(lines.at(-1)).toBe("would run 1, then up to 1 more; 0 would be reused; 0 held");
  });

  it("names the Reproduction a resource comes from", async () => {
    const root = await storageWithInputs();
    const trained = parse("Reproduction", "toy", { mode: "Trained", engine: { export: { tensorRT: false } } });
    const lines = dryRunLines(await dryRunPlan(planLocalRun([trained]), { storageRoot: root }), root);
    expect(lines.filter((l) => !l.startsWith(" "))).toEqual([
      `mammoflow run --dry-run: 3 resource(s) under ${root}; nothing was started`,
      "RoiDetectorTraining/toy-detector (from Reproduction/toy)",
      "EngineBuild/toy-engine (from Reproduction/toy)",
      "Submission/toy-submission (from Reproduction/toy)",
      "would run 2, then up to 2 more; 0 would be reused; 0 held",
    ]);
  });
});

describe("mammoflow run --dry-run and results of the same work", () => {
  it("says 'reused' for another resource's result it would copy, and 'done' once a run has copied it", async () => {
    const root = await storageWithInputs();
    const twin = parse("RoiDetectorTraining", "det2", { checkpoint: "assets/det.pth" });
    const steps = planLocalRun([detector, twin]);
    const [first] = stageRequests((steps[0] as LocalStep).resource, steps[0]?.stages[0] as LocalStep["stages"][number]);
    const request = first as StageRequest;
    // det's export-onnx as a finished run leaves it: its output, result.json and the cache's entry.
    await leaveFinishedStage(root, request, "model.onnx");

    const before = await dryRunPlan(steps, { storageRoot: root });
    expect(before.map((r) => [r.resource, r.stages.map((s) => `${s.decision}${s.why ? ` (${s.why})` : ""}`)])).toEqual([
      ["RoiDetectorTraining/det", ["done"]],
      ["RoiDetectorTraining/det2", ["reused (reused from RoiDetectorTraining/det/export-onnx)"]],
    ]);
    // A run copies it into det2's folder; from then on it is det2's own result.
    const [twinRequest] = stageRequests(
      (steps[1] as LocalStep).resource,
      steps[1]?.stages[0] as LocalStep["stages"][number],
    );
    const copied = await checkReuse(root, twinRequest as StageRequest, sha256Hex(canonicalJson(twinRequest)));
    expect(copied.source).toBe("cache");
    const after = await dryRunPlan(steps, { storageRoot: root });
    expect(after.map((r) => r.stages.map((s) => s.decision))).toEqual([["done"], ["done"]]);
  });
});
