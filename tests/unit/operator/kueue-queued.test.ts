// A stage Job that Kueue holds (not admitted yet, or evicted and requeued) runs nothing: the
// resource's phase is Queued, not Running, so `kubectl get` tells queued work from running work;
// the operator neither resumes nor re-creates that Job, and once Kueue admits it the phase is
// Running again. The spec.suspend of the resource still wins over Kueue's hold.
import { describe, expect, it } from "vitest";
import { observeJob } from "../../../operator/executors/kubernetes/observe.ts";
import type { StageObservation } from "../../../operator/pipeline/observation.ts";
import { type Decision, decideStatus, type ResourceStatus } from "../../../operator/pipeline/status.ts";
import { makeJobObject, makeObservation, makePlan } from "../../support/operator-builders.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const trainPlan = makePlan("train-fold", "train-fold").gpu(1).outputDir("runs/ns/ClassifierFold/f0/train-fold").obj();

function decide(observation: StageObservation | undefined, previous?: ResourceStatus, suspend?: boolean): Decision {
  return decideStatus({
    generation: 1,
    now: T0,
    previous,
    plans: [trainPlan],
    observations: { "train-fold": observation },
    ...(suspend !== undefined ? { suspend } : {}),
  });
}
const ready = (status: ResourceStatus) => status.conditions?.find((c) => c.type === "Ready");
const actions = ({ start, rerun, supersede, suspend, resume }: Decision) => ({
  start,
  rerun,
  supersede,
  suspend,
  resume,
});

describe("a stage Job Kueue holds", () => {
  it("is observed as Queued whether Kueue never admitted it or evicted it after it ran", () => {
    const waiting = makeJobObject("f0-fold-train-fold").queue("stages").suspended().runs(trainPlan);
    const evicted = makeJobObject("f0-fold-train-fold")
      .queue("stages")
      .suspended()
      .runs(trainPlan)
      .condition("Suspended", "JobSuspended", "Job suspended");
    for (const job of [waiting.obj(), evicted.obj()]) {
      expect(observeJob(job, [])).toEqual({
        phase: "Running",
        shardsSucceeded: 0,
        attempts: 0,
        runName: "f0-fold-train-fold",
        requestDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
        reason: "Queued",
        message: "Job f0-fold-train-fold waits in Kueue queue stages for admission",
        results: [],
      });
    }
  });

  it("makes the resource Queued, not Running, and the operator touches no Job", () => {
    const queued = makeObservation("Running", "train-fold")
      .ranRequestOf(trainPlan)
      .reason("Queued", "Job f0-fold-train-fold waits in Kueue queue stages for admission")
      .obj();
    const decision = decide(queued);
    expect(actions(decision)).toEqual({});
    expect(decision.status.phase).toBe("Queued");
    expect(ready(decision.status)).toMatchObject({
      status: "False",
      reason: "Queued",
      message:
        "running stage train-fold (0/1 done); stage train-fold waits: Queued: Job f0-fold-train-fold waits in Kueue queue stages for admission",
    });
    expect(decision.status.stages?.[0]).toMatchObject({ name: "train-fold", phase: "Running" });
    expect(decision.status.finishedAt).toBeUndefined();
  });

  it("is Running again once admitted, and Queued again when evicted, with no Job started or resumed", () => {
    const queued = makeObservation("Running", "train-fold").ranRequestOf(trainPlan).reason("Queued", "q").obj();
    const admitted = makeObservation("Running", "train-fold").ranRequestOf(trainPlan).obj();
    const first = decide(queued);
    const running = decide(admitted, first.status);
    expect(running.status.phase).toBe("Running");
    expect(ready(running.status)?.reason).toBe("StagesRunning");
    const evicted = decide(queued, running.status);
    expect(evicted.status.phase).toBe("Queued");
    for (const decision of [first, running, evicted]) expect(actions(decision)).toEqual({});
  });

  it("is Suspended when the resource's spec.suspend is true: the user's hold is what the phase says", () => {
    const queued = makeObservation("Running", "train-fold").ranRequestOf(trainPlan).reason("Queued", "q").obj();
    expect(decide(queued, undefined, true).status.phase).toBe("Suspended");
  });
});
