// The recheck annotation on the pure decisions: a finished resource starts its stages again,
// in order, each pod re-checking its inputs' content; the status says which stages reused their
// result and which ran, and the recheck waits for running stages and for its inputs' rechecks.
import { describe, expect, it } from "vitest";
import { parseTerminationMessage } from "../../../operator/executors/kubernetes/observe.ts";
import type { Blocker } from "../../../operator/pipeline/dependencies.ts";
import type { StageObservation } from "../../../operator/pipeline/observation.ts";
import { childRecheck, recheckBlocker, recheckDue } from "../../../operator/pipeline/recheck.ts";
import type { DependencyView } from "../../../operator/pipeline/stage-plan.ts";
import { type Decision, decideStatus, type ResourceStatus } from "../../../operator/pipeline/status.ts";
import { built, exported, engineBuildPlans as plans } from "../../support/engine-build-stages.ts";
import { makeObservation } from "../../support/operator-builders.ts";

const T1 = "2026-01-01T01:00:00.000Z";
const LATER = "2026-01-03T00:00:00.000Z";
const exportRunning = makeObservation("Running", "export-onnx").obj();
const buildRunning = makeObservation("Running", "build-engine").obj();
const buildFailed = makeObservation("Failed", "build-engine").reason("BackoffLimitExceeded", "backoff").obj();

function step(
  previous: ResourceStatus | undefined,
  now: { observations?: Record<string, StageObservation>; recheck?: string; blocker?: Blocker } = {},
): Decision {
  return decideStatus({
    generation: 1,
    now: LATER,
    previous,
    ...(now.blocker ? { blocker: now.blocker, plans: [] } : { plans }),
    observations: now.observations ?? {},
    ...(now.recheck !== undefined ? { recheck: now.recheck } : {}),
  });
}

const succeeded = () =>
  decideStatus({
    generation: 1,
    now: T1,
    previous: undefined,
    plans,
    observations: { "export-onnx": exported, "build-engine": built },
  }).status;
const stagesOf = (d: Decision) => d.status.stages?.map((s) => [s.name, s.phase, s.reused]);

describe("mammoflow.io/recheck on a resource that runs stages", () => {
  it("starts every finished stage again, deleting their Jobs, the first one at once", () => {
    const decision = step(succeeded(), {
      recheck: "1",
      observations: { "export-onnx": exported, "build-engine": built },
    });
    expect(decision.recheck).toEqual(["export-onnx", "build-engine"]);
    expect(decision.start?.id).toBe("export-onnx");
    expect(decision.rerun).toBeUndefined();
    expect(decision.status.phase).toBe("Running");
    expect(decision.status.observedRecheck).toBe("1");
    expect(decision.status.finishedAt).toBeUndefined();
    expect(stagesOf(decision)).toEqual([
      ["export-onnx", "Pending", undefined],
      ["build-engine", "Pending", undefined],
    ]);
  });

  it("says which stages reused their result and which ran", () => {
    const rechecked = step(succeeded(), { recheck: "1" }).status;
    // The export's inputs did not change: its pod stood its result; then the build ran.
    const exportReused = makeObservation("Succeeded", "export-onnx").reusedOwnResult().obj();
    const next = step(rechecked, { recheck: "1", observations: { "export-onnx": exportReused } });
    expect(next.start?.id).toBe("build-engine");
    expect(next.recheck).toBeUndefined();
    expect(next.status.stages?.[0]).toMatchObject({
      phase: "Succeeded",
      reused: true,
      message: "its own result reused: the content of its inputs is unchanged",
    });
    const done = step(next.status, {
      recheck: "1",
      observations: { "export-onnx": exportReused, "build-engine": built },
    });
    expect(done.status.phase).toBe("Succeeded");
    expect(stagesOf(done)).toEqual([
      ["export-onnx", "Succeeded", true],
      ["build-engine", "Succeeded", false],
    ]);
    expect(done.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "True",
      message: "all 2 stages succeeded (1 ran, 1 reused their results)",
    });
    // The same value again re-checks nothing.
    const again = step(done.status, {
      recheck: "1",
      observations: { "export-onnx": exportReused, "build-engine": built },
    });
    expect(again.status).toEqual(done.status);
    expect(again.start).toBeUndefined();
    expect(again.recheck).toBeUndefined();
  });

  it("decided again just after the first stage's start (its new Job Running), still stands", () => {
    // What the reconcile decides once its start is applied (operator/loop/started-status.ts): the
    // same status, so that the start costs one status write.
    const decision = step(succeeded(), {
      recheck: "1",
      observations: { "export-onnx": exportRunning, "build-engine": built },
    });
    expect(decision.start).toBeUndefined();
    expect(decision.recheck).toEqual(["build-engine"]);
    expect(decision.status.observedRecheck).toBe("1");
    expect(stagesOf(decision)).toEqual([
      ["export-onnx", "Running", undefined],
      ["build-engine", "Pending", undefined],
    ]);
  });

  it("starts stages whose Jobs are gone (TTL) from the status alone", () => {
    const decision = step(succeeded(), { recheck: "2" });
    expect(decision.recheck).toBeUndefined();
    expect(decision.start?.id).toBe("export-onnx");
    expect(decision.status.observedRecheck).toBe("2");
  });

  it("re-runs a failed stage too", () => {
    const failed = step(undefined, { observations: { "export-onnx": exported, "build-engine": buildFailed } }).status;
    expect(failed.phase).toBe("Failed");
    const decision = step(failed, {
      recheck: "1",
      observations: { "export-onnx": exported, "build-engine": buildFailed },
    });
    expect(decision.recheck).toEqual(["export-onnx", "build-engine"]);
    expect(decision.start?.id).toBe("export-onnx");
    expect(decision.status.phase).toBe("Running");
  });

  it("waits while a stage runs, then acts once it is done", () => {
    const running = step(undefined, { observations: { "export-onnx": exported, "build-engine": buildRunning } });
    expect(running.status.phase).toBe("Running");
    const meanwhile = step(running.status, {
      recheck: "1",
      observations: { "export-onnx": exported, "build-engine": buildRunning },
    });
    expect(meanwhile.recheck).toBeUndefined();
    expect(meanwhile.start).toBeUndefined();
    expect(meanwhile.status.observedRecheck).toBeUndefined();
    const finished = step(meanwhile.status, {
      recheck: "1",
      observations: { "export-onnx": exported, "build-engine": built },
    });
    expect(finished.status.phase).toBe("Succeeded");
    const acted = step(finished.status, {
      recheck: "1",
      observations: { "export-onnx": exported, "build-engine": built },
    });
    expect(acted.recheck).toEqual(["export-onnx", "build-engine"]);
    expect(acted.status.observedRecheck).toBe("1");
  });

  it("is acted on once the inputs are Ready: a finished resource blocked meanwhile says so", () => {
    const blocker: Blocker = { reason: "WaitingForInputRecheck", message: "waiting for ClassifierFold/f0" };
    const blocked = step(succeeded(), { recheck: "1", blocker });
    expect(blocked.status.phase).toBe("Blocked");
    expect(blocked.status.observedRecheck).toBeUndefined();
    expect(blocked.status.conditions?.find((c) => c.type === "Blocked")).toMatchObject({
      status: "True",
      reason: "WaitingForInputRecheck",
    });
    // Without a recheck due the same blocker leaves a finished resource as it was.
    expect(step(succeeded(), { blocker }).status).toEqual(succeeded());
    const ready = step(blocked.status, {
      recheck: "1",
      observations: { "export-onnx": exported, "build-engine": built },
    });
    expect(ready.recheck).toEqual(["export-onnx", "build-engine"]);
    expect(ready.start?.id).toBe("export-onnx");
    expect(ready.status.observedRecheck).toBe("1");
  });
});

describe("the order of rechecks", () => {
  const view = (name: string, recheckPending?: boolean): DependencyView => ({
    role: "fold0",
    kind: "ClassifierFold",
    name,
    phase: "Succeeded",
    ready: true,
    stageDirs: {},
    ...(recheckPending ? { recheckPending } : {}),
  });

  it("a recheck is due for a new value on a resource none of whose stages runs", () => {
    expect(recheckDue(undefined, { phase: "Succeeded" })).toBe(false);
    expect(recheckDue("1", { phase: "Succeeded", observedRecheck: "1" })).toBe(false);
    expect(recheckDue("2", { phase: "Succeeded", observedRecheck: "1" })).toBe(true);
    expect(recheckDue("1", { phase: "Failed" })).toBe(true);
    expect(recheckDue("1", { phase: "Blocked" })).toBe(true);
    expect(recheckDue("1", { phase: "Running" })).toBe(false);
    expect(recheckDue("1", { phase: "Queued" })).toBe(false);
  });

  it("an input resource with its own recheck pending goes first", () => {
    expect(recheckBlocker([view("f0"), view("f1")])).toBeUndefined();
    expect(recheckBlocker([view("f0"), view("f1", true)])).toEqual({
      reason: "WaitingForInputRecheck",
      message:
        "waiting for ClassifierFold/f1 to re-check its inputs first (its mammoflow.io/recheck is newer than its status)",
    });
  });

  it("a Reproduction gives a child its recheck once the children it reads from acted on it", () => {
    const dataset = {
      kind: "ClassificationDataset",
      spec: { detector: { name: "det" }, shards: 1, cvSplit: { folds: 4 } },
    };
    const detector = (observedRecheck?: string) => ({
      kind: "RoiDetectorTraining",
      name: "det",
      ...(observedRecheck ? { observedRecheck } : {}),
    });
    const unrelated = { kind: "ClassifierFold", name: "f0" };
    expect(childRecheck(undefined, dataset, [detector("1")], "1")).toBeUndefined();
    expect(childRecheck("2", dataset, [detector("1"), unrelated], "1")).toBe("1");
    expect(childRecheck("2", dataset, [detector(), unrelated], undefined)).toBeUndefined();
    expect(childRecheck("2", dataset, [detector("2"), unrelated], "1")).toBe("2");
    // The detector reads from no child: it gets the value at once.
    const det = { kind: "RoiDetectorTraining", spec: { source: "Trained", checkpoint: "assets/det.pth" } };
    expect(childRecheck("2", det, [detector("1"), unrelated], "1")).toBe("2");
  });

  it("a termination message keeps whether the pod reused its result", () => {
    const message = JSON.stringify({ stage: "predict", outcome: "Succeeded", reused: true, truncated: false });
    expect(parseTerminationMessage(message)?.reused).toBe(true);
  });
});
