import { describe, expect, it } from "vitest";
import { GpuPoolConfig } from "../../../operator/config/schema.ts";
import { nodeAsChecked } from "../../../operator/controllers/gpu-nodes.ts";
import {
  gpuCapacityBlocker,
  type NodeView,
  nodeView,
  plansStillToRun,
  poolLabels,
} from "../../../operator/pipeline/gpu-capacity.ts";
import type { StagePlan } from "../../../operator/pipeline/stage-plan.ts";

const pools = {
  a100: GpuPoolConfig.parse({
    nodeAffinity: [{ key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-A100-SXM4-80GB"] }],
    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    gpuType: "a100",
  }),
  labelled: GpuPoolConfig.parse({ nodeSelector: { pool: "gpu" }, gpuResource: "example.com/gpu", gpuType: "t4" }),
};

const plan = (id: string, gpusPerPod: number, gpuPool = "a100"): StagePlan => ({
  id,
  stage: "train-fold",
  shards: 1,
  gpusPerPod,
  gpuPool,
  inputs: {},
  parameters: {},
  outputDir: `runs/ns/ClassifierFold/f/${id}`,
});

const a100 = (name: string, gpus: string, extra: Partial<NodeView> = {}): NodeView => ({
  name,
  labels: { "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB" },
  taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
  unschedulable: false,
  allocatable: { cpu: "32", "nvidia.com/gpu": gpus },
  ...extra,
});

describe("GPU capacity before the first Job", () => {
  it("lets a plan start when a node of its pool offers the GPUs a pod asks for", () => {
    expect(gpuCapacityBlocker([plan("train-fold-1", 4)], pools, [a100("n1", "2"), a100("n2", "8")])).toBeUndefined();
    // Stages without GPUs need no GPU node at all.
    expect(gpuCapacityBlocker([plan("cv-split", 0)], pools, [])).toBeUndefined();
  });

  it("blocks with the stage, pool, resource and the fields to change when no node of the pool has them", () => {
    expect(gpuCapacityBlocker([plan("prepare", 0), plan("train-fold-1", 1)], pools, [])).toEqual({
      reason: "NoGpuNodes",
      message:
        "stage train-fold-1 asks for 1 nvidia.com/gpu per pod in GPU pool 'a100' (spec.placement.gpuPool; the pool's nodes have labels nvidia.com/gpu.product in (NVIDIA-A100-SXM4-80GB)) and no schedulable node of the cluster is in that pool; add such nodes, set spec.placement.gpuPool to a pool that has them, or spec.placement.gpusPerPod: 0 to run on CPU nodes",
    });
    expect(gpuCapacityBlocker([plan("train-fold-1", 4)], pools, [a100("n1", "2"), a100("n2", "0")])?.message).toContain(
      "and its 2 schedulable node(s) offer at most 2;",
    );
  });

  it("counts only nodes the pool's Jobs can land on: affinity, selector, tolerated taints, schedulable", () => {
    const h100 = a100("h", "8", { labels: { "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" } });
    const cordoned = a100("c", "8", { unschedulable: true });
    const tainted = a100("t", "8", { taints: [{ key: "maintenance", effect: "NoExecute" }] });
    const preferring = a100("p", "8", { taints: [{ key: "spot", effect: "PreferNoSchedule" }] });
    expect(gpuCapacityBlocker([plan("x", 1)], pools, [h100, cordoned, tainted])?.reason).toBe("NoGpuNodes");
    expect(gpuCapacityBlocker([plan("x", 1)], pools, [h100, preferring])).toBeUndefined();
    const labelled = { name: "g", labels: { pool: "gpu" }, taints: [], unschedulable: false, allocatable: {} };
    // The pool's own GPU resource name, not nvidia.com/gpu.
    expect(
      gpuCapacityBlocker([plan("x", 1, "labelled")], pools, [{ ...labelled, allocatable: { "nvidia.com/gpu": "4" } }])
        ?.message,
    ).toContain(
      "asks for 1 example.com/gpu per pod in GPU pool 'labelled' (spec.placement.gpuPool; the pool's nodes have labels pool=gpu) and its 1 schedulable node(s) offer at most 0;",
    );
    expect(
      gpuCapacityBlocker([plan("x", 1, "labelled")], pools, [{ ...labelled, allocatable: { "example.com/gpu": "1" } }]),
    ).toBeUndefined();
  });

  it("names a pool the configuration does not define", () => {
    expect(gpuCapacityBlocker([plan("x", 1, "h100")], pools, [a100("n", "8")])).toEqual({
      reason: "UnknownGpuPool",
      message:
        "stage x needs GPU pool 'h100', which the operator configuration does not define (known: a100, labelled); set spec.placement.gpuPool to one of them",
    });
  });

  it("reads a Node object of the API", () => {
    const node = {
      metadata: { name: "n1", labels: { a: "b" } },
      spec: { unschedulable: true, taints: [{ key: "k", effect: "NoSchedule" }] },
      status: { allocatable: { "nvidia.com/gpu": "8" } },
    };
    expect(nodeView(node)).toEqual({
      name: "n1",
      labels: { a: "b" },
      taints: [{ key: "k", effect: "NoSchedule" }],
      unschedulable: true,
      allocatable: { "nvidia.com/gpu": "8" },
    });
    expect(nodeView({})).toEqual({ name: "", labels: {}, taints: [], unschedulable: false, allocatable: {} });
  });

  it("names the labels a pool looks for", () => {
    expect(
      poolLabels(
        GpuPoolConfig.parse({
          nodeSelector: { pool: "gpu" },
          nodeAffinity: [
            { key: "a", operator: "NotIn", values: ["x", "y"] },
            { key: "b", operator: "Exists" },
            { key: "c", operator: "DoesNotExist" },
          ],
          gpuType: "t4",
        }),
      ),
    ).toBe("pool=gpu, a not in (x, y), b set, c unset");
    expect(poolLabels(GpuPoolConfig.parse({ gpuType: "t4" }))).toBe("any labels");
  });

  it("checks the stage about to start and those after it, not the stages that already succeeded", () => {
    const [a, b, c, d] = [plan("a", 0), plan("b", 1), plan("c", 1), plan("d", 1)] as [
      StagePlan,
      StagePlan,
      StagePlan,
      StagePlan,
    ];
    const stages = [
      { name: "a", phase: "Succeeded" },
      { name: "c", phase: "Succeeded" },
      { name: "b", phase: "Failed" },
    ];
    expect(plansStillToRun([a, b, c, d], b, stages)).toEqual([b, d]);
    expect(plansStillToRun([a, b, c, d], a)).toEqual([a, b, c, d]);
  });

  it("caches of a Node only what the check reads", () => {
    const node = {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: "a100-0",
        uid: "u",
        resourceVersion: "42",
        labels: { "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB" },
        annotations: { "node.alpha.kubernetes.io/ttl": "0" },
      },
      spec: { podCIDR: "10.0.0.0/24", taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }] },
      status: {
        allocatable: { cpu: "32", "nvidia.com/gpu": "2" },
        capacity: { cpu: "32", "nvidia.com/gpu": "2" },
        conditions: [{ type: "Ready", status: "True" }],
        images: [{ names: ["big"], sizeBytes: 1 }],
      },
    };
    const kept = nodeAsChecked(node);
    expect(kept).toEqual({
      metadata: {
        name: "a100-0",
        resourceVersion: "42",
        labels: { "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB" },
      },
      spec: { taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }] },
      status: { allocatable: { cpu: "32", "nvidia.com/gpu": "2" } },
    });
    // The decision reads the kept Node as it reads the whole one.
    expect(nodeView(kept)).toEqual(nodeView(node));
  });
});
