import { describe, expect, it } from "vitest";
import { observeJob, parseTerminationMessage } from "../../../operator/executors/kubernetes/observe.ts";
import {
  compactResultMessage,
  makeFinishedPod,
  makeJobObject,
  makeWaitingPod,
} from "../../support/operator-builders.ts";

describe("observeJob", () => {
  it("dates a stage's start from its Job's creation, or from Kueue's admission (startTime) for a queued Job", () => {
    const created = "2026-01-01T00:00:00Z";
    const startedLater = "2026-01-01T00:00:01Z";
    const applied = makeJobObject("det-roidet-export-onnx").created(created).obj();
    const counted = makeJobObject("det-roidet-export-onnx").created(created).started(startedLater).active(1).obj();
    expect(observeJob(applied, []).startedAt).toBe("2026-01-01T00:00:00.000Z");
    expect(observeJob(counted, []).startedAt).toBe("2026-01-01T00:00:00.000Z");
    const waiting = makeJobObject("q").created(created).queue("gpu").suspended().obj();
    const admitted = makeJobObject("q").created(created).queue("gpu").started("2026-01-01T00:30:00Z").obj();
    expect(observeJob(waiting, []).startedAt).toBeUndefined();
    expect(observeJob(admitted, []).startedAt).toBe("2026-01-01T00:30:00.000Z");
  });

  it("reads a completed Indexed Job's results per shard from the termination messages", () => {
    const job = makeJobObject("sub-predict").indexed().started("2026-01-01T00:00:00Z").counts(2).complete().obj();
    const pods = [1, 0].map((index) =>
      makeFinishedPod(job, {
        exitCode: 0,
        index,
        message: compactResultMessage({ stage: "predict", artifacts: [{ name: `p${index}.csv` }] }),
      }),
    );
    const observation = observeJob(job, pods);
    expect(observation).toEqual({
      phase: "Succeeded",
      shardsSucceeded: 2,
      attempts: 0,
      runName: "sub-predict",
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: "2026-01-01T01:00:00.000Z",
      results: [0, 1].map((shard) => ({
        shard,
        result: {
          stage: "predict",
          outcome: "Succeeded",
          metrics: {},
          problems: 0,
          artifacts: [{ name: `p${shard}.csv` }],
          truncated: false,
        },
      })),
    });
  });

  it("reports a failed Job with its reason and the stage's error, and ignores a disrupted pod's exit", () => {
    const job = makeJobObject("f-train")
      .counts(0, 1)
      .condition(
        "Failed",
        "PodFailurePolicy",
        "Container stage for pod ns/f-train-x failed with exit code 2 matching FailJob rule at index 1",
      )
      .obj();
    const pods = [
      makeFinishedPod(job, { exitCode: 137, finishedAt: "2026-01-01T00:10:00Z" }),
      makeFinishedPod(job, {
        exitCode: 2,
        message: compactResultMessage({
          stage: "train-fold",
          outcome: "Failed",
          error: { reason: "BadRequest", message: "fold 7 >= numFolds 4" },
        }),
      }),
    ];
    const observation = observeJob(job, pods);
    expect(observation.phase).toBe("Failed");
    expect(observation.attempts).toBe(1);
    expect(observation.reason).toBe("PodFailurePolicy");
    expect(observation.message).toBe(
      "Container stage for pod ns/f-train-x failed with exit code 2 matching FailJob rule at index 1: BadRequest: fold 7 >= numFolds 4",
    );
    expect(observation.results.map((r) => r.result.error?.reason)).toEqual(["BadRequest"]);
  });

  it("treats a running Job as Running and a suspended one as waiting for Kueue", () => {
    expect(observeJob(makeJobObject("j").counts(0).obj(), []).phase).toBe("Running");
    const suspended = observeJob(makeJobObject("j").condition("Suspended", "JobSuspended").obj(), []);
    expect([suspended.phase, suspended.reason]).toEqual(["Running", "Suspended"]);
  });

  it("says Queued, with the queue, for a Job that Kueue holds", () => {
    const queued = observeJob(makeJobObject("j").suspended().queue("gpu-a100").obj(), []);
    expect(queued).toMatchObject({
      phase: "Running",
      reason: "Queued",
      message: "Job j waits in Kueue queue gpu-a100 for admission",
    });
  });

  it("says why a pod does not start: an image that cannot be pulled, no node that fits", () => {
    const job = makeJobObject("j").counts(0).obj();
    const pull = observeJob(job, [makeWaitingPod(job, { waiting: "ImagePullBackOff", message: "Back-off pulling" })]);
    expect([pull.phase, pull.reason, pull.message]).toEqual([
      "Running",
      "ImagePullBackOff",
      "pod j-waiting (image registry.example/stage-ts:1): Back-off pulling",
    ]);
    const unschedulable = observeJob(job, [
      makeWaitingPod(job, { unschedulable: "", message: "0/3 nodes are available: 3 Insufficient memory." }),
    ]);
    expect([unschedulable.reason, unschedulable.message]).toEqual([
      "Unschedulable",
      "pod j-waiting: 0/3 nodes are available: 3 Insufficient memory.",
    ]);
    // A container that is merely being created is no reason to report.
    const creating = observeJob(job, [makeWaitingPod(job, { waiting: "ContainerCreating", message: "" })]);
    expect(creating.reason).toBeUndefined();
  });
});

describe("parseTerminationMessage", () => {
  it("accepts a compact result and rejects logs", () => {
    expect(parseTerminationMessage('{"stage":"aggregate","outcome":"Succeeded"}')).toEqual({
      stage: "aggregate",
      outcome: "Succeeded",
    });
    expect(parseTerminationMessage("Traceback (most recent call last):")).toBeUndefined();
    expect(parseTerminationMessage('{"stage":"aggregate"}')).toBeUndefined();
  });
});
