// A Reproduction checks, before it creates any child, that every GPU stage its children will run
// has a node (issue 15): a retraining whose folds no node can take is Blocked at once, not after
// the hours of CPU stages (dataset preparation) that come before the folds.
import { describe, expect, it } from "vitest";
import { GpuPoolConfig } from "../../../operator/config/schema.ts";
import { reproductionNodesBlocker } from "../../../operator/controllers/gpu-nodes.ts";
import type { NodeView } from "../../../operator/pipeline/gpu-capacity.ts";
import { makeReproduction } from "../../support/reproduction-builder.ts";

const pools = {
  a100: GpuPoolConfig.parse({
    nodeAffinity: [{ key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-A100-SXM4-80GB"] }],
    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    gpuType: "a100",
  }),
};

const node = (gpus: string): NodeView => ({
  name: "n",
  labels: { "nvidia.com/gpu.product": "NVIDIA-A100-SXM4-80GB" },
  taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
  unschedulable: false,
  allocatable: { "nvidia.com/gpu": gpus },
});

const reproduction = (spec: Record<string, unknown>) => ({
  apiVersion: "mammoflow.io/v1alpha1",
  metadata: { name: "r" },
  spec,
});

const noNodeIn = (stage: string) =>
  `stage ${stage} asks for 1 nvidia.com/gpu per pod in GPU pool 'a100' (spec.placement.gpuPool; the pool's nodes have labels nvidia.com/gpu.product in (NVIDIA-A100-SXM4-80GB)) and no schedulable node of the cluster is in that pool; add such nodes, set spec.placement.gpuPool to a pool that has them, or spec.placement.gpusPerPod: 0 to run on CPU nodes`;

describe("a Reproduction's GPU nodes, before its first child", () => {
  it("names the first child and stage no node can take", () => {
    expect(reproductionNodesBlocker(reproduction(makeReproduction("Trained").obj()), pools, [])).toEqual({
      reason: "NoGpuNodes",
      message: `no child created: RoiDetectorTraining/r-detector cannot start: ${noNodeIn("build-engine")}`,
    });
  });

  it("finds the folds of a retraining whose earlier children need no GPU", () => {
    const spec = { ...makeReproduction("PartialReproduce").obj(), engine: { export: { tensorRT: false } } };
    expect(reproductionNodesBlocker(reproduction(spec), pools, [])?.message).toBe(
      `no child created: ClassifierFold/r-fold-0 cannot start: ${noNodeIn("train-fold-1")}`,
    );
  });

  it("lets it start when a node of the pool has the GPUs, or when nothing asks for a GPU", () => {
    expect(reproductionNodesBlocker(reproduction(makeReproduction("FullReproduce").obj()), pools, [node("2")])).toBe(
      undefined,
    );
    const cpu = { ...makeReproduction("Trained").obj(), placement: { gpusPerPod: 0 } };
    expect(reproductionNodesBlocker(reproduction(cpu), pools, [])).toBeUndefined();
  });
});
