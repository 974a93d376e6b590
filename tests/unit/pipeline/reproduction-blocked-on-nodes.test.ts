// A Reproduction whose child no node can run (its GPU pool has no node with the GPUs it asks
// for: the child is Blocked NoGpuNodes) says so itself, with the child's words, while nothing
// else runs; a child Blocked only on a sibling does not (issue 15).
import { describe, expect, it } from "vitest";
import { blockedOnGpuNodes } from "../../../operator/controllers/gpu-nodes.ts";
import type { ResourceStatus } from "../../../operator/pipeline/status.ts";
import { decideStatus } from "../../../operator/pipeline/status.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const NO_NODES =
  "stage train-fold asks for 1 nvidia.com/gpu per pod in GPU pool 'h100' (spec.placement.gpuPool; the pool's nodes have labels nvidia.com/gpu.product in (NVIDIA-H100-80GB-HBM3)) and no schedulable node of the cluster is in that pool; add such nodes, set spec.placement.gpuPool to a pool that has them, or spec.placement.gpusPerPod: 0 to run on CPU nodes";
const onNodes = { reason: "NoGpuNodes", message: NO_NODES };

describe("a Reproduction whose child waits for GPU nodes", () => {
  const base = [
    { kind: "RoiDetectorTraining", name: "r-detector", phase: "Succeeded" as const },
    { kind: "ClassificationDataset", name: "r-dataset", phase: "Succeeded" as const },
    { kind: "ClassifierFold", name: "r-fold-0", phase: "Blocked" as const, blockedOnNodes: onNodes },
    { kind: "EngineBuild", name: "r-engine", phase: "Blocked" as const },
  ];

  it("is Blocked for the child's reason, naming the child and the pool, when nothing runs", () => {
    const status = decideStatus({ generation: 1, now: T0, previous: undefined, children: base }).status;
    const message = `2/4 resources succeeded; ClassifierFold/r-fold-0 cannot start: ${NO_NODES}`;
    expect(status.phase).toBe("Blocked");
    expect(status.conditions?.map(({ type, status: s, reason, message: m }) => ({ type, s, reason, m }))).toEqual([
      { type: "Blocked", s: "True", reason: "NoGpuNodes", m: message },
      { type: "Ready", s: "False", reason: "NoGpuNodes", m: message },
    ]);
    // The status lists its children as before: the Blocked reason is not a field of theirs.
    expect(status.children?.[2]).toEqual({ kind: "ClassifierFold", name: "r-fold-0", phase: "Blocked" });
  });

  it("is Running while another child runs, and Failed when one failed", () => {
    const running = [...base, { kind: "ClassifierFold", name: "r-fold-1", phase: "Running" as const }];
    expect(decideStatus({ generation: 1, now: T0, previous: undefined, children: running }).status.phase).toBe(
      "Running",
    );
    const failed = [...base, { kind: "ClassifierFold", name: "r-fold-1", phase: "Failed" as const }];
    expect(decideStatus({ generation: 1, now: T0, previous: undefined, children: failed }).status.phase).toBe("Failed");
  });

  it("reads a child's status: only a Blocked condition of the GPU check counts", () => {
    const blocked = (reason: string): ResourceStatus => ({
      phase: "Blocked",
      conditions: [
        { type: "Blocked", status: "True", reason, message: "m", lastTransitionTime: T0 },
        { type: "Ready", status: "False", reason, message: "m", lastTransitionTime: T0 },
      ],
    });
    expect(blockedOnGpuNodes(blocked("NoGpuNodes"))).toEqual({ reason: "NoGpuNodes", message: "m" });
    expect(blockedOnGpuNodes(blocked("UnknownGpuPool"))).toEqual({ reason: "UnknownGpuPool", message: "m" });
    expect(blockedOnGpuNodes(blocked("WaitingForDataset"))).toBeUndefined();
    expect(blockedOnGpuNodes({ phase: "Running" })).toBeUndefined();
    expect(blockedOnGpuNodes(undefined)).toBeUndefined();
  });
});
