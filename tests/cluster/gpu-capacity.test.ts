// A Reproduction asking for a GPU pool no node of the cluster has (issue 15): the operator's
// Node informer sees no node with the pool's labels, so the child whose stages need that pool is
// Blocked (NoGpuNodes) before its first Job, and the Reproduction says so, naming the pool field
// and the node labels; no Job that could never schedule is created. A node of the pool that
// appears later (labels, GPUs) unblocks it through the Node watch, without an edit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../../operator/kube/client.ts";
import {
  adminClient,
  condition,
  createNamespace,
  createResource,
  deleteNamespace,
  getResource,
  kubeconfigPath,
  listJobs,
  setBehaviour,
  succeeding,
} from "./support/cluster.ts";
import { type OperatorProcess, startOperatorProcess } from "./support/operator-process.ts";
import { waitFor } from "./support/wait.ts";

const POOL_LABEL = "mammoflow.io/gpu-capacity-test";
const GPU_STAGES = ["build-engine", "predict", "train-fold", "train-detector"];

describe("a GPU pool no node has", () => {
  let admin: KubeClient;
  let ns: string;
  let operator: OperatorProcess;
  const nodeName = () => `h100-${ns}`;
  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "gpucap");
    await setBehaviour(admin, ns, succeeding("export-onnx", "build-engine", "predict", "aggregate"));
    operator = startOperatorProcess({
      kubeconfig: kubeconfigPath(),
      namespace: ns,
      config: {
        gpuPools: {
          // The suite's simulated nodes are A100s: no node has this pool's labels.
          h100: {
            gpuType: "h100",
            nodeSelector: { [POOL_LABEL]: ns },
            nodeAffinity: [{ key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-H100-80GB-HBM3"] }],
            // The node this test adds later runs no kubelet: its not-ready taints are tolerated too.
            tolerations: [{ operator: "Exists" }],
          },
        },
      },
    });
  });
  afterAll(async () => {
    await operator?.stop();
    await admin.request("DELETE", `/api/v1/nodes/${nodeName()}`, { verb: "delete" }).catch(() => {});
    await deleteNamespace(admin, ns);
  });

  it("is Blocked NoGpuNodes, naming the pool and its labels, and creates no GPU Job until such a node appears", async () => {
    await createResource(admin, ns, "Reproduction", "r", { placement: { gpuPool: "h100" } });
    const blocked = await waitFor(
      "Reproduction/r Blocked on GPU nodes",
      async () => {
        const r = await getResource(admin, ns, "Reproduction", "r");
        return r.status?.phase === "Blocked" ? r : undefined;
      },
      60_000,
      async () => (await getResource(admin, ns, "Reproduction", "r")).status,
    );
    const labels = `${POOL_LABEL}=${ns}, nvidia.com/gpu.product in (NVIDIA-H100-80GB-HBM3)`;
    const stageMessage = `asks for 1 nvidia.com/gpu per pod in GPU pool 'h100' (spec.placement.gpuPool; the pool's nodes have labels ${labels}) and no schedulable node of the cluster is in that pool; add such nodes, set spec.placement.gpuPool to a pool that has them, or spec.placement.gpusPerPod: 0 to run on CPU nodes`;
    const reason = condition(blocked, "Blocked");
    expect(reason).toMatchObject({ status: "True", reason: "NoGpuNodes" });
    expect(reason?.message).toMatch(/^\d\/\d resources succeeded; \w+\/r-\w+ cannot start: stage [\w-]+ asks for /);
    expect(reason?.message).toContain(stageMessage);
    expect(condition(blocked, "Ready")).toMatchObject({ status: "False", reason: "NoGpuNodes" });

    // The child it names says the same in its own status, and has started no stage that needs a GPU.
    const [, child] = /cannot start: stage ([\w-]+)/.exec(reason?.message ?? "") ?? [];
    const [, kind, name] = /; (\w+)\/(r-\w+) cannot start/.exec(reason?.message ?? "") ?? [];
    const blockedChild = await getResource(admin, ns, kind ?? "", name ?? "");
    expect(blockedChild.status?.phase).toBe("Blocked");
    expect(condition(blockedChild, "Blocked")).toMatchObject({
      reason: "NoGpuNodes",
      message: `stage ${child} ${stageMessage}`,
    });
    const gpuJobs = async () =>
      (await listJobs(admin, ns)).filter((j) => GPU_STAGES.includes(j.metadata.labels?.["mammoflow.io/stage"] ?? ""));
    expect(await gpuJobs()).toEqual([]);

    // A node of the pool appears (labelled, tainted so that only this pool's pods go there, its
    // GPUs advertised): the Node watch reconciles the blocked child, which starts its stages.
    await admin.create("/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: nodeName(), labels: { [POOL_LABEL]: ns, "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" } },
      spec: { taints: [{ key: POOL_LABEL, value: ns, effect: "NoSchedule" }] },
    });
    const allocatable = { cpu: "8", memory: "64Gi", pods: "10", "nvidia.com/gpu": "1" };
    await admin.mergePatch(`/api/v1/nodes/${nodeName()}/status`, { status: { capacity: allocatable, allocatable } });
    await waitFor(
      `${kind}/${name} to leave Blocked once the node is there`,
      async () => {
        const r = await getResource(admin, ns, kind ?? "", name ?? "");
        return r.status?.phase !== "Blocked" ? r : undefined;
      },
      60_000,
      async () => (await getResource(admin, ns, kind ?? "", name ?? "")).status,
    );
    expect(operator.logs()).not.toMatch(/forbidden/i);
  });
});
