// A Reproduction asking for a GPU pool no node of the cluster has (issue 15): the operator's
// Node informer sees no node with the pool's labels, so the Reproduction is Blocked (NoGpuNodes)
// before it creates any child, naming the child and stage, the pool field and the node labels;
// no Job is created. A node of the pool that appears later (labels, GPUs) unblocks it through
// the Node watch, without an edit.
import { describe, expect, it } from "vitest";
import { condition, succeeding } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { waitFor } from "./support/wait.ts";

const POOL_LABEL = "mammoflow.io/gpu-capacity-test";

describe("a GPU pool no node has", () => {
  const cluster = useClusterNamespace("gpucap")
    .behaviours(succeeding("export-onnx", "build-engine", "predict", "aggregate"))
    // The Node the second test adds is the cluster's, not the namespace's: deleted once the operator stopped.
    .setup((t) =>
      t.onClose(async () => {
        // Absent when the second test failed before adding it.
        await t.admin.request("DELETE", `/api/v1/nodes/${nodeName()}`, { verb: "delete" }).catch(() => {});
      }),
    )
    .withOperator((t) => ({
      config: {
        gpuPools: {
          // The suite's simulated nodes are A100s: no node has this pool's labels.
          h100: {
            gpuType: "h100",
            nodeSelector: { [POOL_LABEL]: t.name },
            nodeAffinity: [{ key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-H100-80GB-HBM3"] }],
            // The node this test adds later runs no kubelet: its not-ready taints are tolerated too.
            tolerations: [{ operator: "Exists" }],
          },
        },
      },
    }));
  const nodeName = (): string => `h100-${cluster.name}`;

  it("a resource of its own is Blocked before its first Job, for a GPU stage that comes later", async () => {
    await cluster.create("RoiDetectorTraining", "det", {
      source: "Trained",
      checkpoint: "assets/trained/yolox_nano_416_roi_torch.pth",
      tensorRT: true,
      placement: { gpuPool: "h100" },
    });
    const blocked = await cluster.untilPhase("RoiDetectorTraining", "det", "Blocked", { timeoutMs: 60_000 });
    // export-onnx needs no GPU, but build-engine after it does: neither starts.
    expect(condition(blocked, "Blocked")).toMatchObject({
      status: "True",
      reason: "NoGpuNodes",
      message: `stage build-engine asks for 1 nvidia.com/gpu per pod in GPU pool 'h100' (spec.placement.gpuPool; the pool's nodes have labels ${POOL_LABEL}=${cluster.name}, nvidia.com/gpu.product in (NVIDIA-H100-80GB-HBM3)) and no schedulable node of the cluster is in that pool; add such nodes, set spec.placement.gpuPool to a pool that has them, or spec.placement.gpusPerPod: 0 to run on CPU nodes`,
    });
    expect(await cluster.jobs()).toEqual([]);
  });

  it("a Reproduction is Blocked before its first child, naming the pool and its labels, until such a node appears", async () => {
    await cluster.create("Reproduction", "r", { placement: { gpuPool: "h100" } });
    const blocked = await cluster.untilPhase("Reproduction", "r", "Blocked", { timeoutMs: 60_000 });
    const labels = `${POOL_LABEL}=${cluster.name}, nvidia.com/gpu.product in (NVIDIA-H100-80GB-HBM3)`;
    const stageMessage = `asks for 1 nvidia.com/gpu per pod in GPU pool 'h100' (spec.placement.gpuPool; the pool's nodes have labels ${labels}) and no schedulable node of the cluster is in that pool; add such nodes, set spec.placement.gpuPool to a pool that has them, or spec.placement.gpusPerPod: 0 to run on CPU nodes`;
    const reason = condition(blocked, "Blocked");
    expect(reason).toMatchObject({ status: "True", reason: "NoGpuNodes" });
    // Decided before any child exists: the first child whose GPU stages no node can take.
    expect(reason?.message).toMatch(/^no child created: \w+\/r-\w+ cannot start: stage [\w-]+ asks for /);
    expect(reason?.message).toContain(stageMessage);
    expect(condition(blocked, "Ready")).toMatchObject({ status: "False", reason: "NoGpuNodes" });
    for (const kind of ["RoiDetectorTraining", "EngineBuild", "Submission"]) {
      const children = (await cluster.list(kind)).filter((c) => c.metadata.name.startsWith("r-"));
      expect(children, kind).toEqual([]);
    }
    expect(await cluster.jobs()).toEqual([]);

    // A node of the pool appears (labelled, tainted so that only this pool's pods go there, its
    // GPUs advertised): the Node watch reconciles the blocked Reproduction, which creates its children.
    await cluster.admin.create("/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: nodeName(),
        labels: { [POOL_LABEL]: cluster.name, "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" },
      },
      spec: { taints: [{ key: POOL_LABEL, value: cluster.name, effect: "NoSchedule" }] },
    });
    const allocatable = { cpu: "8", memory: "64Gi", pods: "10", "nvidia.com/gpu": "1" };
    await cluster.admin.mergePatch(`/api/v1/nodes/${nodeName()}/status`, {
      status: { capacity: allocatable, allocatable },
    });
    const started = await waitFor(
      "Reproduction/r to create its children once the node is there",
      async () => {
        const r = await cluster.get("Reproduction", "r");
        return r.status?.phase !== "Blocked" && (r.status?.children?.length ?? 0) > 0 ? r : undefined;
      },
      60_000,
      async () => (await cluster.get("Reproduction", "r")).status,
    );
    expect(started.status?.children?.map((c) => `${c.kind}/${c.name}`)).toEqual([
      "RoiDetectorTraining/r-detector",
      "EngineBuild/r-engine",
      "Submission/r-submission",
    ]);
    expect(cluster.operator.logs()).not.toMatch(/forbidden/i);
  });
});
