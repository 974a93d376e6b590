import { describe, expect, it } from "vitest";
import type { StageObservation } from "../../../operator/pipeline/observation.ts";
import { decideStatus } from "../../../operator/pipeline/status.ts";
import { engineBuildPlans as plans } from "../../support/engine-build-stages.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T01:00:00.000Z";
const succeeded = (artifact: string, metrics: Record<string, number> = {}): StageObservation => ({
  phase: "Succeeded",
  shardsSucceeded: 1,
  attempts: 0,
  runName: "job",
  startedAt: T0,
  finishedAt: T1,
  results: [
    { result: { stage: "x", outcome: "Succeeded", metrics, artifacts: [{ name: artifact, sha256: "a".repeat(64) }] } },
  ],
});

describe("decideStatus", () => {
  it("is Blocked with the dependency's reason while an input is not Ready", () => {
    const { status, start } = decideStatus({
      generation: 1,
      now: T0,
      previous: undefined,
      blocker: { reason: "WaitingForFold", message: "waiting for ClassifierFold/f0 to be Ready (it is Running)" },
      plans: [],
      observations: {},
    });
    expect(start).toBeUndefined();
    expect(status.phase).toBe("Blocked");
    expect(status.conditions).toEqual([
      {
        type: "Blocked",
        status: "True",
        reason: "WaitingForFold",
        message: "waiting for ClassifierFold/f0 to be Ready (it is Running)",
        lastTransitionTime: T0,
        observedGeneration: 1,
      },
      {
        type: "Ready",
        status: "False",
        reason: "WaitingForFold",
        message: "waiting for ClassifierFold/f0 to be Ready (it is Running)",
        lastTransitionTime: T0,
        observedGeneration: 1,
      },
    ]);
  });

  it("addresses an artifact by the path the stage reported (its name is not its file name)", () => {
    const observation: StageObservation = {
      ...succeeded("x"),
      results: [
        {
          result: {
            stage: "export-onnx",
            outcome: "Succeeded",
            artifacts: [
              { name: "ensemble", path: "runs/ns/EngineBuild/e/export-onnx/ensemble.onnx", sha256: "b".repeat(64) },
            ],
          },
        },
      ],
    };
    const { status } = decideStatus({
      generation: 1,
      now: T0,
      previous: undefined,
      plans,
      observations: { "export-onnx": observation },
    });
    expect(status.artifacts).toEqual([
      { name: "ensemble", path: "runs/ns/EngineBuild/e/export-onnx/ensemble.onnx", sha256: "b".repeat(64) },
    ]);
  });

  it("names the reason a running stage waits on (image pull, scheduling, queue) in Ready", () => {
    const { status } = decideStatus({
      generation: 1,
      now: T0,
      previous: undefined,
      plans,
      observations: {
        "export-onnx": {
          phase: "Running",
          shardsSucceeded: 0,
          attempts: 0,
          reason: "ImagePullBackOff",
          message: "pod e-export-onnx-x (image r/stage-python:1): Back-off pulling image",
          results: [],
        },
      },
    });
    expect(status.phase).toBe("Running");
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ImagePullBackOff",
      message:
        "running stage export-onnx (0/2 done); stage export-onnx waits: ImagePullBackOff: pod e-export-onnx-x (image r/stage-python:1): Back-off pulling image",
    });
  });

  it("starts the first stage, then the next one once the first succeeded", () => {
    const first = decideStatus({ generation: 1, now: T0, previous: undefined, plans, observations: {} });
    expect(first.start?.id).toBe("export-onnx");
    expect(first.status.phase).toBe("Running");
    expect(first.status.stages?.map((s) => [s.name, s.phase])).toEqual([
      ["export-onnx", "Pending"],
      ["build-engine", "Pending"],
    ]);
    const second = decideStatus({
      generation: 1,
      now: T1,
      previous: first.status,
      plans,
      observations: { "export-onnx": succeeded("model.onnx") },
    });
    expect(second.start?.id).toBe("build-engine");
    expect(second.status.artifacts).toEqual([
      { name: "model.onnx", path: "runs/ns/EngineBuild/e/export-onnx/model.onnx", sha256: "a".repeat(64) },
    ]);
    expect(second.status.progress).toEqual({ stagesSucceeded: 1, stagesTotal: 2, summary: "1/2" });
  });

  it("succeeds with every stage's artifacts and metrics, and keeps them when the Jobs are gone", () => {
    const done = decideStatus({
      generation: 2,
      now: T1,
      previous: undefined,
      plans,
      observations: {
        "export-onnx": succeeded("model.onnx"),
        "build-engine": succeeded("model.engine", { latencyMs: 4 }),
      },
    });
    expect(done.start).toBeUndefined();
    expect(done.status.phase).toBe("Succeeded");
    expect(done.status.finishedAt).toBe(T1);
    expect(done.status.metrics).toEqual({ latencyMs: 4 });
    expect(done.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "True",
      reason: "Succeeded",
    });
    // The Jobs were deleted after their TTL: nothing re-runs and the status is unchanged.
    const later = decideStatus({
      generation: 2,
      now: "2026-02-01T00:00:00.000Z",
      previous: done.status,
      plans,
      observations: {},
    });
    expect(later.start).toBeUndefined();
    expect(later.status).toEqual(done.status);
  });

  it("fails with the stage's error and does not start later stages", () => {
    const failed: StageObservation = {
      phase: "Failed",
      shardsSucceeded: 0,
      attempts: 1,
      reason: "PodFailurePolicy",
      message: "Container stage for pod ns/p failed with exit code 2 matching FailJob rule at index 1",
      finishedAt: T1,
      results: [
        {
          result: {
            stage: "export-onnx",
            outcome: "Failed",
            error: { reason: "BadInput", message: "fold 3 checkpoint is missing" },
          },
        },
      ],
    };
    const { status, start } = decideStatus({
      generation: 1,
      now: T1,
      previous: undefined,
      plans,
      observations: { "export-onnx": failed },
    });
    expect(start).toBeUndefined();
    expect(status.phase).toBe("Failed");
    expect(status.conditions?.find((c) => c.type === "Failed")).toMatchObject({
      status: "True",
      reason: "StageFailed",
      message: "stage export-onnx failed (PodFailurePolicy): BadInput: fold 3 checkpoint is missing",
    });
    expect(status.stages?.[1]?.phase).toBe("Pending");
  });

  it("gives an equal status for equal observations (so nothing is written)", () => {
    const a = decideStatus({
      generation: 1,
      now: T0,
      previous: undefined,
      plans,
      observations: { "export-onnx": succeeded("m") },
    });
    const b = decideStatus({
      generation: 1,
      now: T1,
      previous: a.status,
      plans,
      observations: { "export-onnx": succeeded("m") },
    });
    expect(b.status).toEqual(a.status);
  });
});
