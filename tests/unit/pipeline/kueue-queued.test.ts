// A stage Job that Kueue holds (not admitted yet, or evicted and requeued) runs nothing: the
// resource's phase is Queued, not Running, so `kubectl get` tells queued work from running work;
// the operator neither resumes nor re-creates that Job, and once Kueue admits it the phase is
// Running again. The spec.suspend of the resource still wins over Kueue's hold.
import { describe, expect, it } from "vitest";
import { jobSuspensionPatch, workloadActivationPatch } from "../../../operator/executors/kubernetes/job-suspension.ts";
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

describe("spec.suspend of a Job in a Kueue queue", () => {
  const queuedJob = makeJobObject("e-engine-build-engine").queue("stages").obj();

  it("deactivates its Workload and suspends and marks the Job; resuming activates the Workload and only clears the mark", () => {
    expect(workloadActivationPatch(true)).toEqual({ spec: { active: false } });
    expect(jobSuspensionPatch(queuedJob, true)).toEqual({
      metadata: { uid: "uid-e-engine-build-engine", annotations: { "mammoflow.io/suspended-by-resource": "true" } },
      spec: { suspend: true },
    });
    // Kueue unsuspends the Job once it admits the Workload again; unsuspended before, the Job
    // would start pods outside the queue's quota.
    expect(workloadActivationPatch(false)).toEqual({ spec: { active: true } });
    expect(jobSuspensionPatch(queuedJob, false)).toEqual({
      metadata: { uid: "uid-e-engine-build-engine", annotations: { "mammoflow.io/suspended-by-resource": null } },
    });
  });

  it("is not held once it runs in spite of the mark (Kueue admitted it), so the operator suspends it again", () => {
    const marked = makeJobObject("j").queue("stages").started(T0).suspendedByResource().obj();
    expect(observeJob(marked, []).held).toBe(true);
    const restarted = structuredClone(marked);
    if (restarted.spec) restarted.spec.suspend = false;
    const observation = observeJob(restarted, []);
    expect(observation.held).toBeUndefined();
    expect(observation.reason).toBeUndefined();
    expect(actions(decide(observation, undefined, true))).toEqual({ suspend: ["train-fold"] });
  });
});
