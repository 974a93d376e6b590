// spec.suspend as batch/v1 Job and JobSet have it: the decisions (status, which Jobs to suspend or
// resume), the Job patch, what a suspended Job is observed as, and a Reproduction's share.
import { describe, expect, it } from "vitest";
import { ReproductionSpec } from "../../../operator/api/index.ts";
import { jobSuspensionPatch } from "../../../operator/executors/kubernetes/job-suspension.ts";
import { observeJob } from "../../../operator/executors/kubernetes/observe.ts";
import type { Blocker } from "../../../operator/pipeline/dependencies.ts";
import type { StageObservation } from "../../../operator/pipeline/observation.ts";
import { reproductionChildren } from "../../../operator/pipeline/reproduction.ts";
import { type Decision, decideStatus, type ResourceStatus } from "../../../operator/pipeline/status.ts";
import { buildPlan, exportPlan, engineBuildPlans as plans } from "../../support/engine-build-stages.ts";
import { makeJobObject, makeObservation } from "../../support/operator-builders.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const exported = makeObservation("Succeeded", "export-onnx").artifact("ensemble.onnx").ranRequestOf(exportPlan).obj();
const building = makeObservation("Running", "build-engine").ranRequestOf(buildPlan).obj();
const buildingHeld = makeObservation("Running", "build-engine").ranRequestOf(buildPlan).held().obj();
const built = makeObservation("Succeeded", "build-engine").artifact("ensemble.engine").ranRequestOf(buildPlan).obj();

function step(
  previous: ResourceStatus | undefined,
  now: {
    suspend?: boolean;
    observations?: Record<string, StageObservation>;
    blocker?: Blocker;
    retry?: string;
    generation?: number;
  },
): Decision {
  return decideStatus({
    generation: now.generation ?? 1,
    now: T0,
    previous,
    ...(now.blocker ? { blocker: now.blocker, plans: [] } : { plans }),
    observations: now.observations ?? {},
    ...(now.retry !== undefined ? { retry: now.retry } : {}),
    ...(now.suspend !== undefined ? { suspend: now.suspend } : {}),
  });
}
const condition = (status: ResourceStatus, type: string) => status.conditions?.find((c) => c.type === type);
const actions = ({ start, rerun, supersede, suspend, resume }: Decision) => ({
  start: start?.id,
  rerun,
  supersede,
  suspend,
  resume,
});

describe("spec.suspend", () => {
  it("a resource suspended before it starts starts no stage and says Suspended for the generation it read", () => {
    const decision = step(undefined, { suspend: true, generation: 2 });
    expect(actions(decision)).toEqual({});
    expect(decision.status.phase).toBe("Suspended");
    expect(decision.status.observedGeneration).toBe(2);
    expect(condition(decision.status, "Suspended")).toMatchObject({
      status: "True",
      reason: "Suspended",
      message: "spec.suspend is true: no stage was running and no stage starts until it is false (0/2 done)",
      observedGeneration: 2,
    });
    expect(condition(decision.status, "Ready")).toMatchObject({ status: "False", reason: "Suspended" });
    expect(decision.status.stages?.map((s) => [s.name, s.phase])).toEqual([
      ["export-onnx", "Pending"],
      ["build-engine", "Pending"],
    ]);
    // Nothing started: the time it starts comes with its first stage, once suspend is false.
    expect(decision.status.startedAt).toBeUndefined();
    const resumed = step(decision.status, { suspend: false, generation: 3 });
    expect(resumed.start?.id).toBe("export-onnx");
    expect(resumed.status.startedAt).toBe(T0);
  });

  it("suspending a running resource suspends its running Job once, keeps the finished stage and starts nothing", () => {
    const running = step(undefined, { observations: { "export-onnx": exported, "build-engine": building } });
    expect(running.status.phase).toBe("Running");

    const suspending = step(running.status, {
      suspend: true,
      generation: 2,
      observations: { "export-onnx": exported, "build-engine": building },
    });
    expect(actions(suspending)).toEqual({ suspend: ["build-engine"] });
    expect(suspending.status.phase).toBe("Suspended");
    expect(condition(suspending.status, "Suspended")?.message).toBe(
      "spec.suspend is true: stage build-engine is suspended and no stage starts until it is false (1/2 done)",
    );
    // Not a new request: same digests, the finished stage and its outputs kept.
    expect(suspending.status.stages?.map((s) => s.requestDigest)).toEqual(
      running.status.stages?.map((s) => s.requestDigest),
    );
    expect(suspending.status.stages?.[0]?.phase).toBe("Succeeded");
    expect(suspending.status.artifacts?.map((a) => a.name)).toEqual(["ensemble.onnx"]);

    // Once the Job is held, nothing more to do and nothing changes.
    const held = step(suspending.status, {
      suspend: true,
      generation: 2,
      observations: { "export-onnx": exported, "build-engine": buildingHeld },
    });
    expect(actions(held)).toEqual({});
    expect(held.status.phase).toBe("Suspended");
    expect(held.status.conditions).toEqual(suspending.status.conditions);
    expect(held.status.stages?.[1]?.message).toBe("Job is suspended (spec.suspend)");
  });

  it("resuming un-suspends the same Job, starts nothing new and is Running again, not Suspended", () => {
    const held = step(undefined, {
      suspend: true,
      observations: { "export-onnx": exported, "build-engine": buildingHeld },
    });
    const resuming = step(held.status, {
      suspend: false,
      generation: 3,
      observations: { "export-onnx": exported, "build-engine": buildingHeld },
    });
    expect(actions(resuming)).toEqual({ resume: ["build-engine"] });
    expect(resuming.status.phase).toBe("Running");
    expect(resuming.status.observedGeneration).toBe(3);
    expect(condition(resuming.status, "Suspended")).toBeUndefined();
    expect(condition(resuming.status, "Ready")).toMatchObject({
      reason: "StagesRunning",
      message: "running stage build-engine (1/2 done)",
    });

    const done = step(resuming.status, {
      suspend: false,
      generation: 3,
      observations: { "export-onnx": exported, "build-engine": built },
    });
    expect(done.status.phase).toBe("Succeeded");
  });

  it("a Job Kueue holds (suspended, not by the resource) is not resumed by the operator", () => {
    const queued = makeObservation("Running", "build-engine")
      .ranRequestOf(buildPlan)
      .reason("Queued", "Job waits in Kueue queue q for admission")
      .obj();
    const decision = step(undefined, { observations: { "export-onnx": exported, "build-engine": queued } });
    expect(actions(decision)).toEqual({});
    expect(condition(decision.status, "Ready")?.reason).toBe("Queued");
  });

  it("a finished resource stays finished when suspended: there is nothing to hold", () => {
    const decision = step(undefined, {
      suspend: true,
      observations: { "export-onnx": exported, "build-engine": built },
    });
    expect(actions(decision)).toEqual({});
    expect(decision.status.phase).toBe("Succeeded");
    expect(condition(decision.status, "Ready")?.status).toBe("True");
  });

  it("a suspended resource whose inputs are not Ready says Suspended and keeps a retry for later", () => {
    const blocker: Blocker = { reason: "WaitingForFold", message: "waiting for ClassifierFold/f0 to be Ready" };
    const decision = step(undefined, { suspend: true, blocker, retry: "1" });
    expect(decision.status.phase).toBe("Suspended");
    expect(decision.status.observedRetry).toBeUndefined();
    expect(condition(decision.status, "Suspended")?.message).toBe(
      "spec.suspend is true: no stage starts (the inputs are not Ready either: waiting for ClassifierFold/f0 to be Ready)",
    );
  });
});

describe("the suspended Job", () => {
  it("is patched in place: spec.suspend and the operator's mark, the uid as precondition; resuming clears both", () => {
    const job = makeJobObject("e-engine-build-engine").obj();
    expect(jobSuspensionPatch(job, true)).toEqual({
      metadata: { uid: "uid-e-engine-build-engine", annotations: { "mammoflow.io/suspended-by-resource": "true" } },
      spec: { suspend: true },
    });
    expect(jobSuspensionPatch(job, false)).toEqual({
      metadata: { uid: "uid-e-engine-build-engine", annotations: { "mammoflow.io/suspended-by-resource": null } },
      spec: { suspend: false },
    });
  });

  it("is observed as held by its resource, even with a queue label; one Kueue holds is Queued", () => {
    const ours = makeJobObject("j").queue("gpu").started(T0).suspendedByResource().obj();
    expect(observeJob(ours, [])).toMatchObject({
      phase: "Running",
      held: true,
      reason: "Suspended",
      message: "Job j is suspended (spec.suspend of its resource)",
    });
    const kueue = observeJob(makeJobObject("j").queue("gpu").suspended().obj(), []);
    expect(kueue.held).toBeUndefined();
    expect(kueue.reason).toBe("Queued");
  });
});

describe("a suspended Reproduction", () => {
  it("gives suspend to every child, and false again when resumed", () => {
    for (const suspend of [true, false]) {
      const children = reproductionChildren("ns", "r", ReproductionSpec.parse({ mode: "PartialReproduce", suspend }));
      expect(children.map((c) => c.spec.suspend)).toEqual(children.map(() => suspend));
    }
  });

  it("is Suspended while a child is unfinished, Succeeded once every child is", () => {
    const decide = (phases: ("Running" | "Succeeded")[]) =>
      decideStatus({
        generation: 4,
        now: T0,
        previous: undefined,
        suspend: true,
        children: phases.map((phase, i) => ({ kind: "ClassifierFold", name: `r-fold-${i}`, phase })),
      }).status;
    const held = decide(["Succeeded", "Running"]);
    expect(held.phase).toBe("Suspended");
    expect(held.observedGeneration).toBe(4);
    expect(condition(held, "Suspended")).toMatchObject({
      status: "True",
      reason: "Suspended",
      message: "spec.suspend is true: its children are suspended (1/2 resources succeeded)",
    });
    expect(condition(held, "Ready")).toMatchObject({ status: "False", reason: "Suspended" });
    expect(decide(["Succeeded", "Succeeded"]).phase).toBe("Succeeded");
  });
});
