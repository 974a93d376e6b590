import { describe, expect, it } from "vitest";
import { decideStatus, type ResourceStatus } from "../../../operator/pipeline/status.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T01:00:00.000Z";
const POOL = 'GPU pool "h100" is not in the operator configuration';
/** Failed and not Ready, both for reason InvalidSpec with POOL's words, decided at `at` for `generation`. */
const invalidSpecConditions = (at: string, generation: number) =>
  (["Failed", "Ready"] as const).map((type) => ({
    type,
    status: type === "Failed" ? "True" : "False",
    reason: "InvalidSpec",
    message: POOL,
    lastTransitionTime: at,
    observedGeneration: generation,
  }));

describe("decideStatus for a spec the operator cannot act on", () => {
  it("is Failed and not Ready with reason InvalidSpec, keeping what the status already stated", () => {
    const previous: ResourceStatus = {
      observedGeneration: 1,
      phase: "Succeeded",
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "Succeeded",
          message: "all 1 stages succeeded",
          lastTransitionTime: T0,
        },
      ],
      stages: [{ name: "export-onnx", phase: "Succeeded", shardsTotal: 1, shardsSucceeded: 1, attempts: 0 }],
    };
    const decision = decideStatus({ generation: 2, now: T1, previous, invalidSpec: POOL });
    expect(decision).toEqual({
      status: {
        observedGeneration: 2,
        phase: "Failed",
        conditions: invalidSpecConditions(T1, 2),
        stages: previous.stages,
      },
    });
  });

  it("gives a Reproduction the same status, its children as they were", () => {
    const previous: ResourceStatus = {
      phase: "Running",
      children: [{ kind: "RoiDetectorTraining", name: "r-detector", phase: "Running" }],
    };
    const { status } = decideStatus({ generation: 3, now: T0, previous, invalidSpec: POOL });
    expect(status).toEqual({
      observedGeneration: 3,
      phase: "Failed",
      conditions: invalidSpecConditions(T0, 3),
      children: previous.children,
    });
  });

  it("cuts a long complaint to the 4096 characters a condition message holds", () => {
    const { status } = decideStatus({ now: T0, previous: undefined, invalidSpec: "x".repeat(5000) });
    expect(status.conditions?.map((c) => c.message.length)).toEqual([4096, 4096]);
  });
});

describe("decideStatus for a Reproduction", () => {
  const stage = (name: string) => ({
    name,
    phase: "Succeeded" as const,
    shardsTotal: 1,
    shardsSucceeded: 1,
    attempts: 0,
  });
  const children = [
    { kind: "RoiDetectorTraining", name: "r-detector", phase: "Succeeded" as const },
    { kind: "EngineBuild", name: "r-engine", phase: "Succeeded" as const },
    { kind: "Submission", name: "r-submission", phase: "Running" as const },
  ];

  it("runs while a child runs, one progress step per child", () => {
    const { status } = decideStatus({ generation: 1, now: T0, previous: undefined, children });
    expect(status).toEqual({
      observedGeneration: 1,
      phase: "Running",
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "ChildrenRunning",
          message: "2/3 resources succeeded",
          lastTransitionTime: T0,
          observedGeneration: 1,
        },
      ],
      children,
      progress: { stagesSucceeded: 2, stagesTotal: 3, summary: "2/3" },
      startedAt: T0,
    });
  });

  it("succeeds with its submission's CSV and metrics, keeping when it started", () => {
    const done = children.map((c) => ({ ...c, phase: "Succeeded" as const }));
    const csv = { name: "submission.csv", path: "runs/ns/Submission/r-submission/aggregate/submission.csv" };
    const shard = { name: "predictions.csv", path: "runs/ns/Submission/r-submission/predict/0/predictions.csv" };
    const { status } = decideStatus({
      generation: 1,
      now: T1,
      previous: { startedAt: T0 },
      children: done,
      submission: {
        namespace: "ns",
        name: "r-submission",
        status: {
          stages: ["predict", "aggregate"].map(stage),
          artifacts: [shard, csv],
          metrics: { pF1: 0.5 },
        },
      },
    });
    expect(status.phase).toBe("Succeeded");
    expect(status.startedAt).toBe(T0);
    expect(status.finishedAt).toBe(T1);
    expect(status.artifacts).toEqual([csv]);
    expect(status.metrics).toEqual({ pF1: 0.5 });
  });

  it("fails when the API server refused a child, and does not record the refusal as a child's field", () => {
    const { status } = decideStatus({
      generation: 1,
      now: T0,
      previous: undefined,
      children: [{ kind: "Submission", name: "r-submission", rejected: "422 Invalid: spec.testSet" }],
    });
    expect(status.phase).toBe("Failed");
    expect(status.children).toEqual([{ kind: "Submission", name: "r-submission" }]);
    expect(status.conditions?.find((c) => c.type === "Failed")).toMatchObject({
      reason: "ChildRejected",
      message: "the API server refused Submission/r-submission: 422 Invalid: spec.testSet",
    });
    expect(status.finishedAt).toBe(T0);
  });
});
