// Waits and refusals that do not resolve by themselves must show in the status, with the
// server's reason, instead of looking like a stage that runs.
import { describe, expect, it } from "vitest";
import { isTerminalApiError, rejectedStart } from "../../../operator/controllers/api-errors.ts";
import { DeletedJobs } from "../../../operator/controllers/deleted-jobs.ts";
import {
  failedCreateWait,
  needsJobEvents,
  podlessLongEnough,
  podlessRecheckMs,
} from "../../../operator/executors/kubernetes/job-events.ts";
import { observeJob } from "../../../operator/executors/kubernetes/observe.ts";
import { KubeApiError } from "../../../operator/kube/client.ts";
import { summarizeChildren } from "../../../operator/pipeline/reproduction.ts";
import { decideStatus } from "../../../operator/pipeline/status.ts";
import { exported, engineBuildPlans as plans } from "../../support/engine-build-stages.ts";
import { makeFinishedPod, makeJobEvent, makeJobObject, makeWaitingPod } from "../../support/operator-builders.ts";

const QUOTA =
  'Error creating: pods "e-engine-build-engine-x7k2p" is forbidden: exceeded quota: gpu, requested: nvidia.com/gpu=1, used: nvidia.com/gpu=8, limited: nvidia.com/gpu=8';

describe("a Job whose pods the API refuses", () => {
  const job = makeJobObject("e-engine-build-engine").started("2026-01-01T00:00:00Z").obj();

  it("shows as Ready=False FailedCreate with the Job controller's event message", () => {
    const events = [
      makeJobEvent(job, { reason: "FailedCreate", message: "Error creating: old", at: "2026-01-01T00:01:00Z" }),
      makeJobEvent(job, { reason: "FailedCreate", message: QUOTA, at: "2026-01-01T00:09:00Z", count: 7 }),
    ];
    const observation = observeJob(job, [], events);
    expect(observation.phase).toBe("Running");
    expect(observation.reason).toBe("FailedCreate");
    expect(observation.message).toBe(`Job e-engine-build-engine (7 times): ${QUOTA}`);

    const { status } = decideStatus({
      generation: 1,
      now: "2026-01-01T00:10:00.000Z",
      previous: undefined,
      plans,
      observations: { "export-onnx": exported, "build-engine": observation },
    });
    expect(status.phase).toBe("Running");
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "FailedCreate",
      message: `running stage build-engine (1/2 done); stage build-engine waits: FailedCreate: Job e-engine-build-engine (7 times): ${QUOTA}`,
    });
  });

  it("reads Events only for a running Job that has no pod about to run", () => {
    expect(needsJobEvents(job, [])).toBe(true);
    expect(needsJobEvents(makeJobObject("j").active(1).obj(), [])).toBe(false);
    expect(needsJobEvents(job, [makeWaitingPod(job, { unschedulable: "", message: "no node" })])).toBe(false);
    expect(needsJobEvents(makeJobObject("j").suspended().obj(), [])).toBe(false);
    expect(needsJobEvents(makeJobObject("j").complete().obj(), [])).toBe(false);
  });

  it("reads a pod-less Job's Events once it is a few seconds old, and looks again less often as it ages", () => {
    const created = makeJobObject("j").created("2026-01-01T00:00:00Z").obj();
    const at = (iso: string) => Date.parse(iso);
    expect(podlessLongEnough(created, at("2026-01-01T00:00:02Z"))).toBe(false);
    expect(podlessLongEnough(created, at("2026-01-01T00:00:05Z"))).toBe(true);
    expect(podlessRecheckMs(created, at("2026-01-01T00:00:02Z"))).toBe(15_000);
    expect(podlessRecheckMs(created, at("2026-01-01T00:04:00Z"))).toBe(60_000);
    expect(podlessRecheckMs(created, at("2026-01-01T02:00:00Z"))).toBe(300_000);
  });

  it("no longer shows a refusal that a pod created after it resolved", () => {
    const failedPod = makeFinishedPod(job, { exitCode: 1, createdAt: "2026-01-01T00:20:00Z" });
    const events = [makeJobEvent(job, { reason: "FailedCreate", message: QUOTA, at: "2026-01-01T00:09:00Z" })];
    expect(failedCreateWait(job, [failedPod], events)).toBeUndefined();
    expect(observeJob(job, [failedPod], events).reason).toBeUndefined();
  });

  it("ignores Events of other Jobs and other reasons", () => {
    const other = makeJobObject("other").obj();
    const events = [
      makeJobEvent(other, { reason: "FailedCreate", message: QUOTA }),
      makeJobEvent(job, { reason: "SuccessfulCreate", message: "Created pod" }),
    ];
    expect(failedCreateWait(job, [], events)).toBeUndefined();
  });
});

describe("terminal API errors", () => {
  it("are the 4xx answers other than timeout, conflict and throttling", () => {
    const terminal = [400, 403, 404, 422].map((code) => isTerminalApiError(new KubeApiError(code, "X", "m")));
    const retried = [408, 409, 429, 500, 503].map((code) => isTerminalApiError(new KubeApiError(code, "X", "m")));
    expect(terminal).toEqual([true, true, true, true]);
    expect(retried).toEqual([false, false, false, false, false]);
    expect(isTerminalApiError(new Error("socket hang up"))).toBe(false);
  });

  it("a Job the API server refuses fails the stage with StageRejected and the server's reason, and it stays failed", () => {
    const error = new KubeApiError(
      422,
      "Invalid",
      'Job.batch "e-engine-build-engine" is invalid: spec.template.spec.containers[0].resources.requests: Invalid value: "64": must be less than or equal to memory limit',
    );
    const rejected = rejectedStart("Job e-engine-build-engine", error, "2026-01-01T00:10:00.000Z");
    const first = decideStatus({
      generation: 1,
      now: "2026-01-01T00:10:00.000Z",
      previous: undefined,
      plans,
      observations: { "export-onnx": exported, "build-engine": rejected },
    });
    const message = `stage build-engine failed (JobRejected): the API server refused Job e-engine-build-engine (422 Invalid): ${error.message}`;
    expect(first.start).toBeUndefined();
    expect(first.status.phase).toBe("Failed");
    expect(first.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "StageRejected",
      message,
    });

    // No Job was ever created: the next reconciles see nothing, and nothing is tried again.
    const next = decideStatus({
      generation: 1,
      now: "2026-01-01T00:20:00.000Z",
      previous: first.status,
      plans,
      observations: { "export-onnx": exported },
    });
    expect(next.start).toBeUndefined();
    expect(next.status).toEqual(first.status);

    // Until the user asks for a retry.
    const retried = decideStatus({
      generation: 1,
      now: "2026-01-01T00:30:00.000Z",
      previous: next.status,
      plans,
      observations: { "export-onnx": exported },
      retry: "1",
    });
    expect(retried.start?.id).toBe("build-engine");
    expect(retried.rerun).toBeUndefined();
  });
});

describe("a Reproduction whose child the API server refuses", () => {
  it("is Failed with ChildRejected and the server's message, even while other children run", () => {
    const summary = summarizeChildren([
      { kind: "RoiDetectorTraining", name: "r-detector", phase: "Running" },
      {
        kind: "EngineBuild",
        name: "r-engine",
        rejected: '403 Forbidden: admission webhook "policy.example" denied the request: GPU pool not allowed',
      },
    ]);
    const message =
      'the API server refused EngineBuild/r-engine: 403 Forbidden: admission webhook "policy.example" denied the request: GPU pool not allowed';
    expect(summary).toEqual({
      phase: "Failed",
      conditions: [
        { type: "Failed", status: "True", reason: "ChildRejected", message },
        { type: "Ready", status: "False", reason: "ChildRejected", message },
        { type: "Succeeded", status: "False", reason: "ChildRejected", message },
      ],
    });
  });
});

describe("a failed Job deleted for a retry", () => {
  it("is left out of the observations until the cache catches up, for a bounded time", () => {
    let now = 0;
    const deleted = new DeletedJobs(60_000, () => now);
    deleted.deleting("uid-e-engine-build-engine");
    expect(deleted.has("uid-e-engine-build-engine")).toBe(true);
    expect(deleted.has("uid-new")).toBe(false);
    now = 60_001;
    expect(deleted.has("uid-e-engine-build-engine")).toBe(false);
  });
});
