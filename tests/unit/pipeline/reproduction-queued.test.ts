// A Reproduction whose children wait in Kueue runs nothing: it rolls up to Queued when none of
// its children runs, and names the children that wait when others run, instead of Running
// (issue 14). A failure, success or the user's spec.suspend still decide before a queue does.
import { describe, expect, it } from "vitest";
import type { Phase } from "../../../operator/api/status.ts";
import { decideStatus, type ResourceStatus } from "../../../operator/pipeline/status.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-01T00:05:00.000Z";
const T2 = "2026-01-01T00:10:00.000Z";

/** A FullReproduce's children in order, with the phases given (missing ones not created yet). */
function children(phases: Partial<Record<string, Phase>>) {
  const roles: [string, string][] = [
    ["RoiDetectorTraining", "detector"],
    ["ClassificationDataset", "dataset"],
    ...[0, 1, 2, 3].map((f): [string, string] => ["ClassifierFold", `fold-${f}`]),
    ["EngineBuild", "engine"],
    ["Submission", "submission"],
  ];
  return roles.map(([kind, role]) => {
    const phase = phases[role];
    return { kind, name: `r-${role}`, ...(phase ? { phase } : {}) };
  });
}

function decide(phases: Partial<Record<string, Phase>>, previous?: ResourceStatus, now = T0, suspend?: boolean) {
  return decideStatus({
    generation: 1,
    now,
    previous,
    children: children(phases),
    ...(suspend !== undefined ? { suspend } : {}),
  }).status;
}
const ready = (status: ResourceStatus) => status.conditions?.find((c) => c.type === "Ready");

describe("a Reproduction whose children Kueue holds", () => {
  it("is Queued, not Running, when its one unfinished child that could run waits in a queue", () => {
    const status = decide({ detector: "Queued", dataset: "Blocked", "fold-0": "Blocked", engine: "Blocked" });
    expect(status.phase).toBe("Queued");
    expect(status.conditions).toEqual([
      {
        type: "Ready",
        status: "False",
        reason: "ChildrenQueued",
        message:
          "0/8 resources succeeded; nothing runs: RoiDetectorTraining/r-detector waits in a Kueue queue for admission",
        lastTransitionTime: T0,
        observedGeneration: 1,
      },
    ]);
    expect(status.progress).toEqual({ stagesSucceeded: 0, stagesTotal: 8, summary: "0/8" });
    // Nothing has run: no start time yet.
    expect(status.startedAt).toBeUndefined();
  });

  it("is Queued when every running child's Jobs are queued, naming each of them", () => {
    const status = decide({
      detector: "Succeeded",
      dataset: "Succeeded",
      "fold-0": "Queued",
      "fold-1": "Queued",
      "fold-2": "Queued",
      "fold-3": "Queued",
      engine: "Blocked",
      submission: "Blocked",
    });
    expect(status.phase).toBe("Queued");
    expect(ready(status)).toMatchObject({
      status: "False",
      reason: "ChildrenQueued",
      message:
        "2/8 resources succeeded; nothing runs: ClassifierFold/r-fold-0, ClassifierFold/r-fold-1, ClassifierFold/r-fold-2, ClassifierFold/r-fold-3 wait in a Kueue queue for admission",
    });
  });

  it("is Running while some children run, and its message names those that wait", () => {
    const status = decide({
      detector: "Succeeded",
      dataset: "Succeeded",
      "fold-0": "Running",
      "fold-1": "Running",
      "fold-2": "Queued",
      "fold-3": "Queued",
    });
    expect(status.phase).toBe("Running");
    expect(ready(status)).toMatchObject({
      status: "False",
      reason: "ChildrenRunning",
      message:
        "2/8 resources succeeded; ClassifierFold/r-fold-2, ClassifierFold/r-fold-3 wait in a Kueue queue for admission",
    });
  });

  it("says nothing of queues when no child waits in one", () => {
    const status = decide({ detector: "Succeeded", dataset: "Running", "fold-0": "Blocked" });
    expect(status.phase).toBe("Running");
    expect(ready(status)).toMatchObject({ reason: "ChildrenRunning", message: "1/8 resources succeeded" });
  });

  it("starts its clock when a child first runs, and keeps it when children are queued again", () => {
    const queued = decide({ detector: "Queued" }, undefined, T0);
    expect(queued.startedAt).toBeUndefined();
    const running = decide({ detector: "Running" }, queued, T1);
    expect(running.phase).toBe("Running");
    expect(running.startedAt).toBe(T1);
    // Evicted by Kueue (pre-empted): queued again, started all the same.
    const requeued = decide({ detector: "Queued" }, running, T2);
    expect(requeued.phase).toBe("Queued");
    expect(requeued.startedAt).toBe(T1);
    expect(ready(requeued)?.lastTransitionTime).toBe(T0);
  });

  it("is Failed when a child failed, whatever else waits in a queue", () => {
    const status = decide({ detector: "Succeeded", dataset: "Succeeded", "fold-0": "Failed", "fold-1": "Queued" });
    expect(status.phase).toBe("Failed");
    expect(ready(status)).toMatchObject({ reason: "ChildFailed", message: "ClassifierFold/r-fold-0 failed" });
  });

  it("is Suspended, not Queued, when spec.suspend holds it, and says what was queued", () => {
    const status = decide({ detector: "Queued" }, undefined, T0, true);
    expect(status.phase).toBe("Suspended");
    expect(ready(status)).toMatchObject({
      reason: "Suspended",
      message:
        "spec.suspend is true: its children are suspended (0/8 resources succeeded; nothing runs: RoiDetectorTraining/r-detector waits in a Kueue queue for admission)",
    });
  });
});
