// Sequences of states a resource goes through (dependencies that re-run, Jobs deleted after their
// TTL, retries): the status decided at each step must still say what happened.
import { describe, expect, it } from "vitest";
import type { Blocker } from "../../../operator/pipeline/dependencies.ts";
import type { StageObservation } from "../../../operator/pipeline/observation.ts";
import { type Decision, decideStatus, type ResourceStatus } from "../../../operator/pipeline/status.ts";
import { built, exported, engineBuildPlans as plans } from "../../support/engine-build-stages.ts";
import { makeObservation } from "../../support/operator-builders.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T01:00:00.000Z";
const LATER = "2026-01-03T00:00:00.000Z";
const buildFailed = makeObservation("Failed", "build-engine")
  .reason("BackoffLimitExceeded", "Job has reached the specified backoff limit")
  .obj();
const detectorRerunning: Blocker = {
  reason: "WaitingForFold",
  message: "waiting for ClassifierFold/f0 to be Ready (it is Running)",
};

/** One reconcile after `previous`: what the executor shows now, and what the user asked. */
function step(
  previous: ResourceStatus | undefined,
  now: {
    at?: string;
    observations?: Record<string, StageObservation>;
    blocker?: Blocker;
    retry?: string;
    generation?: number;
  } = {},
): Decision {
  return decideStatus({
    generation: now.generation ?? 1,
    now: now.at ?? LATER,
    previous,
    ...(now.blocker ? { blocker: now.blocker, plans: [] } : { plans }),
    observations: now.observations ?? {},
    ...(now.retry !== undefined ? { retry: now.retry } : {}),
  });
}

const failedResource = () =>
  step(undefined, { at: T1, observations: { "export-onnx": exported, "build-engine": buildFailed } }).status;
const succeededResource = () =>
  step(undefined, { at: T1, observations: { "export-onnx": exported, "build-engine": built } }).status;

describe("status that never lies", () => {
  it("a Failed resource stays Failed with its stages when an input stops being Ready", () => {
    const failed = failedResource();
    expect(failed.phase).toBe("Failed");

    const blocked = step(failed, { blocker: detectorRerunning });
    expect(blocked.start).toBeUndefined();
    expect(blocked.status).toEqual(failed);
    expect(blocked.status.stages?.map((s) => [s.name, s.phase])).toEqual([
      ["export-onnx", "Succeeded"],
      ["build-engine", "Failed"],
    ]);
    expect(blocked.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "StageFailed",
    });
  });

  it("a Succeeded resource stays Succeeded with its stages while an input is not Ready, and nothing re-runs once its Jobs are gone", () => {
    const succeeded = succeededResource();
    const blocked = step(succeeded, { blocker: detectorRerunning });
    expect(blocked.status).toEqual(succeeded);

    // The input is Ready again and the Jobs were deleted after their TTL.
    const later = step(blocked.status, { at: "2026-02-01T00:00:00.000Z" });
    expect(later.start).toBeUndefined();
    expect(later.rerun).toBeUndefined();
    expect(later.status).toEqual(succeeded);
    expect(later.status.artifacts?.map((a) => a.path)).toEqual([
      "runs/ns/EngineBuild/e/export-onnx/ensemble.onnx",
      "runs/ns/EngineBuild/e/build-engine/ensemble.engine",
    ]);
  });

  it("a failed stage whose Job was deleted after its TTL stays Failed and does not restart", () => {
    const failed = failedResource();
    const afterTtl = step(failed, { at: LATER });
    expect(afterTtl.start).toBeUndefined();
    expect(afterTtl.rerun).toBeUndefined();
    expect(afterTtl.status).toEqual(failed);
    expect(afterTtl.status.conditions?.find((c) => c.type === "Failed")).toMatchObject({
      status: "True",
      reason: "StageFailed",
      message: "stage build-engine failed (BackoffLimitExceeded): Job has reached the specified backoff limit",
    });
  });

  it("a failed stage restarts only when the retry annotation changes, after its failed Job is deleted", () => {
    const failed = failedResource();
    const retried = step(failed, {
      retry: "1",
      observations: { "export-onnx": exported, "build-engine": buildFailed },
    });
    expect(retried.rerun).toEqual(["build-engine"]);
    expect(retried.start?.id).toBe("build-engine");
    expect(retried.status.phase).toBe("Running");
    expect(retried.status.observedRetry).toBe("1");
    expect(retried.status.finishedAt).toBeUndefined();
    expect(retried.status.conditions?.map((c) => c.type)).toEqual(["Blocked", "Ready"]);
    expect(retried.status.stages?.map((s) => [s.name, s.phase])).toEqual([
      ["export-onnx", "Succeeded"],
      ["build-engine", "Pending"],
    ]);

    // Before the new Job shows in the cache the stage is unobserved: the decision asks for its
    // start again (the controller's start expectation keeps it from a second apply), never for
    // another deletion.
    const again = step(retried.status, { retry: "1", observations: { "export-onnx": exported } });
    expect(again.rerun).toBeUndefined();
    expect(again.start?.id).toBe("build-engine");
    expect(again.status).toEqual(retried.status);
  });

  it("a retried stage that fails again stays Failed until the next retry value", () => {
    const retried = step(failedResource(), {
      retry: "1",
      observations: { "export-onnx": exported, "build-engine": buildFailed },
    }).status;
    const failedAgain = step(retried, {
      retry: "1",
      observations: { "export-onnx": exported, "build-engine": buildFailed },
    });
    expect(failedAgain.status.phase).toBe("Failed");
    expect(failedAgain.start).toBeUndefined();
    expect(failedAgain.rerun).toBeUndefined();

    const afterTtl = step(failedAgain.status, { retry: "1" });
    expect(afterTtl.status.phase).toBe("Failed");
    expect(afterTtl.start).toBeUndefined();

    const secondRetry = step(afterTtl.status, { retry: "2" });
    expect(secondRetry.start?.id).toBe("build-engine");
    // The failed Job is already gone: nothing to delete.
    expect(secondRetry.rerun).toBeUndefined();
  });

  it("a retry annotation set while nothing failed re-runs nothing when a stage fails later", () => {
    const running = step(undefined, {
      at: T0,
      retry: "1",
      observations: { "export-onnx": makeObservation("Running", "export-onnx").obj() },
    });
    expect(running.status.observedRetry).toBe("1");
    const failed = step(running.status, {
      retry: "1",
      observations: { "export-onnx": makeObservation("Failed", "export-onnx").reason("DeadlineExceeded", "").obj() },
    });
    expect(failed.status.phase).toBe("Failed");
    expect(failed.start).toBeUndefined();
    expect(failed.rerun).toBeUndefined();
  });

  it("a retry waits while an input is not Ready, and runs once it is", () => {
    const failed = failedResource();
    const blocked = step(failed, { retry: "1", blocker: detectorRerunning });
    expect(blocked.start).toBeUndefined();
    expect(blocked.status.phase).toBe("Blocked");
    expect(blocked.status.observedRetry).toBeUndefined();
    expect(blocked.status.stages).toEqual(failed.stages);

    const ready = step(blocked.status, { retry: "1" });
    expect(ready.start?.id).toBe("build-engine");
    expect(ready.status.observedRetry).toBe("1");
  });

  it("a finished resource whose spec changed waits for an input that is not Ready", () => {
    const succeeded = succeededResource();
    const edited = step(succeeded, { generation: 2, blocker: detectorRerunning });
    expect(edited.status.phase).toBe("Blocked");
    expect(edited.status.observedGeneration).toBe(2);
    expect(edited.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "WaitingForFold",
    });
  });
});
