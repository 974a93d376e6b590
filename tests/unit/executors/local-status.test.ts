// The local runner goes through the operator's loop (operator/loop), so each resource it runs
// gets the status a cluster would give it, in runs/local/<kind>/<name>/status.json.
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { StageRequest } from "../../../jobs/contract/request.ts";
import type { StageResult } from "../../../jobs/contract/result.ts";
import { compactResult } from "../../../jobs/contract/termination.ts";
import { ALL_KINDS, parseResource } from "../../../operator/api/index.ts";
import { stageJobName } from "../../../operator/executors/kubernetes/names.ts";
import { observeJob } from "../../../operator/executors/kubernetes/observe.ts";
import {
  executeLocalRun,
  LocalStageError,
  type LocalStep,
  planLocalRun,
} from "../../../operator/executors/local/index.ts";
import { stageRequests } from "../../../operator/pipeline/request.ts";
import { stageDigest } from "../../../operator/pipeline/request-digest.ts";
import { decideStatus, type ResourceStatus } from "../../../operator/pipeline/status.ts";
import { leaveFinishedStage } from "../../support/finished-stage.ts";
import { makeResource } from "../../support/manifests.ts";
import { makeFinishedPod, makeJobObject } from "../../support/operator-builders.ts";

const parse = (kind: string, name: string, spec: Record<string, unknown>) =>
  parseResource(ALL_KINDS, makeResource(kind, name, spec), `${kind}/${name}`);

const TIME = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

async function storageWithCheckpoint(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "mammoflow-local-status-"));
  await mkdir(path.join(root, "assets"));
  await writeFile(path.join(root, "assets/det.pth"), "checkpoint");
  return root;
}

/** The first stage of `step` as a finished run leaves it: its output, result.json and the result cache's entry. */
async function finishedFirstStage(root: string, step: LocalStep): Promise<StageResult> {
  const request = stageRequests(step.resource, step.stages[0] as LocalStep["stages"][number])[0] as StageRequest;
  return leaveFinishedStage(root, request, "detector.onnx", { maxAbsDiffOnnxVsTorch: 0.00001 });
}

const statusOf = async (root: string, kind: string, name: string): Promise<ResourceStatus> =>
  JSON.parse(await readFile(path.join(root, "runs/local", kind, name, "status.json"), "utf8"));

/** A status without what only says when or where it ran (times, the Job's name). */
function withoutTimes(status: ResourceStatus): unknown {
  const { startedAt: _s, finishedAt: _f, ...rest } = status;
  return {
    ...rest,
    conditions: status.conditions?.map(({ lastTransitionTime: _t, ...c }) => c),
    stages: status.stages?.map(({ startedAt: _a, finishedAt: _b, jobName: _j, ...s }) => s),
  };
}

describe("the local runner's status of each resource", () => {
  it("is the status the operator decides for the same stages, written to its status.json", async () => {
    const root = await storageWithCheckpoint();
    const detector = parse("RoiDetectorTraining", "det", { checkpoint: "assets/det.pth" });
    const twin = parse("RoiDetectorTraining", "det2", { checkpoint: "assets/det.pth" });
    const steps = planLocalRun([detector, twin]);
    const result = await finishedFirstStage(root, steps[0] as LocalStep);
    const lines: string[] = [];
    const { runs, statuses } = await executeLocalRun(steps, {
      storageRoot: root,
      appRoot: process.cwd(),
      python: "python-that-must-not-start",
      log: (line) => lines.push(line),
    });
    expect(runs.map((r) => [r.resource, r.outcome])).toEqual([
      ["RoiDetectorTraining/det", "cached"],
      ["RoiDetectorTraining/det2", "reused"],
    ]);
    expect(lines).toEqual([
      "[1/2] RoiDetectorTraining/det export-onnx: already done",
      "[2/2] RoiDetectorTraining/det2 export-onnx: reused from RoiDetectorTraining/det/export-onnx",
    ]);

    const plan = steps[0]?.stages[0] as LocalStep["stages"][number];
    const status = await statusOf(root, "RoiDetectorTraining", "det");
    // The run reports each status it wrote (`mammoflow run -o json` prints them).
    expect([...statuses.keys()]).toEqual(["RoiDetectorTraining/det", "RoiDetectorTraining/det2"]);
    expect(statuses.get("RoiDetectorTraining/det")).toEqual(status);
    expect(status).toEqual({
      phase: "Succeeded",
      conditions: [
        { type: "Blocked", status: "False", reason: "InputsReady", message: "", lastTransitionTime: TIME },
        {
          type: "Ready",
          status: "True",
          reason: "Succeeded",
          message: "all 1 stages succeeded (0 ran, 1 reused their results)",
          lastTransitionTime: TIME,
        },
        {
          type: "Succeeded",
          status: "True",
          reason: "Succeeded",
          message: "all 1 stages succeeded (0 ran, 1 reused their results)",
          lastTransitionTime: TIME,
        },
      ],
      stages: [
        {
          name: "export-onnx",
          phase: "Succeeded",
          shardsTotal: 1,
          shardsSucceeded: 1,
          attempts: 0,
          startedAt: TIME,
          finishedAt: TIME,
          message: "its own result reused: the content of its inputs is unchanged",
          requestDigest: stageDigest(plan),
          // The content its dependants' requests name (the result's digest of its outputs).
          outputDigest: result.outputDigest,
          // It stood by the reuse rule: no process made it.
          reused: true,
        },
      ],
      progress: { stagesSucceeded: 1, stagesTotal: 1, summary: "1/1" },
      artifacts: [
        {
          name: "onnx",
          path: "runs/local/RoiDetectorTraining/det/export-onnx/detector.onnx",
          sha256: "0".repeat(64),
        },
      ],
      metrics: { maxAbsDiffOnnxVsTorch: 0.00001 },
      startedAt: TIME,
      finishedAt: TIME,
    });

    // The operator's decision for the same stage, observed from a finished Job whose pod found
    // the same result standing and printed it as its termination message.
    const job = makeJobObject(stageJobName("RoiDetectorTraining", "det", plan.id))
      .runs(plan)
      .started("2026-01-01T00:00:00Z")
      .counts(1)
      .complete()
      .obj();
    const pod = makeFinishedPod(job, { exitCode: 0, message: compactResult(result, undefined, true) });
    const cluster = decideStatus({
      now: "2026-01-01T02:00:00.000Z",
      previous: undefined,
      plans: [plan],
      observations: { [plan.id]: observeJob(job, [pod]) },
    });
    expect(cluster.start).toBeUndefined();
    expect(withoutTimes(status)).toEqual(withoutTimes(cluster.status));

    // The twin copied det's result: its stage says whose, its artifact is in its own folder.
    const copied = await statusOf(root, "RoiDetectorTraining", "det2");
    expect(copied.phase).toBe("Succeeded");
    expect(copied.stages?.[0]?.message).toBe("reused from RoiDetectorTraining/det/export-onnx");
    expect(copied.artifacts?.map((a) => a.path)).toEqual([
      "runs/local/RoiDetectorTraining/det2/export-onnx/detector.onnx",
    ]);
  });

  it("is Failed with the failed stage's words when a stage fails, and the run stops naming its log", async () => {
    const root = await storageWithCheckpoint();
    const steps = planLocalRun([parse("RoiDetectorTraining", "bad", { checkpoint: "assets/det.pth" })]);
    const folder = path.join(root, "runs/local/RoiDetectorTraining/bad/export-onnx");
    // `false` as the interpreter: a real process that ends with exit 1 and writes no result.
    const run = executeLocalRun(steps, { storageRoot: root, appRoot: process.cwd(), python: "false", log: () => {} });
    await expect(run).rejects.toThrow(LocalStageError);
    await expect(run).rejects.toThrow(
      `stage export-onnx of RoiDetectorTraining/bad failed (exit 1)\n  request: ${folder}/request.json\n  log:     ${folder}/stage.log`,
    );
    const status = await statusOf(root, "RoiDetectorTraining", "bad");
    const message = `stage export-onnx failed (exit 1): the stage process ended with exit 1; log ${folder}/stage.log`;
    expect(status.phase).toBe("Failed");
    expect(status.conditions?.map(({ lastTransitionTime: _t, ...c }) => c)).toEqual([
      { type: "Blocked", status: "False", reason: "InputsReady", message: "" },
      { type: "Failed", status: "True", reason: "StageFailed", message },
      { type: "Ready", status: "False", reason: "StageFailed", message },
      { type: "Succeeded", status: "False", reason: "StageFailed", message },
    ]);
    expect(status.stages?.map((s) => [s.name, s.phase, s.shardsSucceeded, s.attempts, s.message])).toEqual([
      ["export-onnx", "Failed", 0, 0, `the stage process ended with exit 1; log ${folder}/stage.log`],
    ]);
    expect(status.finishedAt).toEqual(TIME);
  });
});

describe("the local runner's status of a Reproduction", () => {
  it("is decided from its children's as on a cluster: Failed with the child that failed", async () => {
    const root = await storageWithCheckpoint();
    const steps = planLocalRun([parse("Reproduction", "r", { mode: "Trained" })]);
    const run = executeLocalRun(steps, { storageRoot: root, appRoot: process.cwd(), python: "false", log: () => {} });
    await expect(run).rejects.toThrow("stage export-onnx of RoiDetectorTraining/r-detector failed (exit 1)");
    const status = await statusOf(root, "Reproduction", "r");
    const failed = { status: "False", reason: "ChildFailed", message: "RoiDetectorTraining/r-detector failed" };
    expect(status).toEqual({
      phase: "Failed",
      conditions: [
        { type: "Failed", ...failed, status: "True", lastTransitionTime: TIME },
        { type: "Ready", ...failed, lastTransitionTime: TIME },
        { type: "Succeeded", ...failed, lastTransitionTime: TIME },
      ],
      // The children this run reached have their phase; those after the failure none (Pending).
      children: [
        { kind: "RoiDetectorTraining", name: "r-detector", phase: "Failed" },
        { kind: "EngineBuild", name: "r-engine" },
        { kind: "Submission", name: "r-submission" },
      ],
      progress: { stagesSucceeded: 0, stagesTotal: 3, summary: "0/3" },
      startedAt: TIME,
      finishedAt: TIME,
    });
    expect((await statusOf(root, "RoiDetectorTraining", "r-detector")).phase).toBe("Failed");
  });
});
