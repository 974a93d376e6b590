import { describe, expect, it } from "vitest";
import type { StageStatus } from "../../../operator/api/status.ts";
import type { ControllerContext } from "../../../operator/controllers/context.ts";
import { recordPhaseChange } from "../../../operator/controllers/phase-events.ts";
import type { KubeObject } from "../../../operator/kube/client.ts";
import type { ResourceStatus } from "../../../operator/pipeline/status.ts";

const resource: KubeObject = { kind: "RoiDetectorTraining", metadata: { name: "det", namespace: "ns" } };

/** The Events recordPhaseChange records, as "type reason: message". */
function phaseEvents(previous: ResourceStatus | undefined, next: ResourceStatus): string[] {
  const recorded: string[] = [];
  const events = {
    record: (_: KubeObject, type: string, reason: string, message: string) =>
      recorded.push(`${type} ${reason}: ${message}`),
  };
  recordPhaseChange({ events } as unknown as ControllerContext, resource, previous, next);
  return recorded;
}

const stage = (name: string, phase: StageStatus["phase"], jobName?: string): StageStatus => ({
  name,
  phase,
  shardsTotal: 1,
  shardsSucceeded: 0,
  attempts: 0,
  ...(jobName ? { jobName } : {}),
});
const ready = (reason: string, message: string) => [
  { type: "Ready" as const, status: "False" as const, reason, message, lastTransitionTime: "2026-01-01T00:00:00Z" },
];

describe("phase Events", () => {
  it("records no Running Event when a stage's start makes the resource Running (its startedAt and Job tell it)", () => {
    const pending: ResourceStatus = { phase: "Pending", stages: [stage("export-onnx", "Pending")] };
    const running: ResourceStatus = {
      phase: "Running",
      conditions: ready("StageRunning", "running stage export-onnx (0/1 done)"),
      stages: [stage("export-onnx", "Running", "det-roidet-export-onnx")],
    };
    expect(phaseEvents(pending, running)).toEqual([]);
    expect(phaseEvents(undefined, running)).toEqual([]);
  });

  it("records Running when the resource runs again with a stage that ran already (admitted from a queue, resumed)", () => {
    const runningStage = [stage("export-onnx", "Running", "det-roidet-export-onnx")];
    const queued: ResourceStatus = { phase: "Queued", stages: runningStage };
    const running: ResourceStatus = {
      phase: "Running",
      conditions: ready("StageRunning", "running stage export-onnx (0/1 done)"),
      stages: runningStage,
    };
    expect(phaseEvents(queued, running)).toEqual(["Normal Running: running stage export-onnx (0/1 done)"]);
  });

  it("records every other change of phase once, a failure as a Warning", () => {
    const running: ResourceStatus = { phase: "Running", stages: [stage("export-onnx", "Running", "j")] };
    const failed: ResourceStatus = {
      phase: "Failed",
      conditions: [
        {
          type: "Failed",
          status: "True",
          reason: "StageFailed",
          message: "stage export-onnx failed",
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
      ],
      stages: [stage("export-onnx", "Failed", "j")],
    };
    expect(phaseEvents(running, failed)).toEqual(["Warning Failed: stage export-onnx failed"]);
    expect(phaseEvents(failed, failed)).toEqual([]);
  });
});
