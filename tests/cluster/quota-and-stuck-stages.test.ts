// Stage pods under a compute ResourceQuota, and stages that cannot start (no node fits, the quota
// refuses the pods, the image cannot be pulled). The quota and the scheduler are the real
// kube-apiserver admission and kube-scheduler; the quota tests' pods land on simulated nodes
// (nodesim holds them Running), the image-pull test's pod on the real kubelet node, whose
// containerd really fails to find the image.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../../operator/kube/client.ts";
import { KubeApiError } from "../../operator/kube/client.ts";
import {
  adminClient,
  condition,
  createNamespace,
  createResource,
  deleteNamespace,
  getResource,
  kubeconfigPath,
  listPods,
  setBehaviour,
} from "./support/cluster.ts";
import { type OperatorProcess, startOperatorProcess } from "./support/operator-process.ts";
import { onlyRealNode } from "./support/real-node.ts";
import { waitFor } from "./support/wait.ts";

const trainedDetector = (resources?: Record<string, unknown>) => ({
  source: "Trained",
  checkpoint: "assets/trained/yolox_nano_416_roi_torch.pth",
  placement: { gpusPerPod: 0, ...(resources ? { resources } : {}) },
});

const readyCondition = (admin: KubeClient, ns: string, name: string, reason: string) =>
  waitFor(
    `RoiDetectorTraining/${name} Ready reason ${reason}`,
    async () => {
      const ready = condition(await getResource(admin, ns, "RoiDetectorTraining", name), "Ready");
      return ready?.reason === reason ? ready : undefined;
    },
    120_000,
    async () => condition(await getResource(admin, ns, "RoiDetectorTraining", name), "Ready"),
  );

describe("stage pods under a compute ResourceQuota (simulated nodes)", () => {
  let admin: KubeClient;
  let ns: string;
  let operator: OperatorProcess;

  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "quota");
    await admin.create(`/api/v1/namespaces/${ns}/resourcequotas`, {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "compute", namespace: ns },
      spec: {
        hard: {
          "requests.cpu": "400",
          "requests.memory": "4Ti",
          "limits.memory": "4Ti",
          "requests.ephemeral-storage": "10Ti",
        },
      },
    });
    await setBehaviour(admin, ns, { default: { hold: true } });
    operator = startOperatorProcess({ kubeconfig: kubeconfigPath(), namespace: ns });
  });
  afterAll(async () => {
    await operator?.stop();
    await deleteNamespace(admin, ns);
  });

  it("refuses a pod without requests and limits: the quota is enforced", async () => {
    const bare = admin.create(`/api/v1/namespaces/${ns}/pods`, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "besteffort", namespace: ns },
      spec: { containers: [{ name: "c", image: "unused" }] },
    });
    await expect(bare).rejects.toBeInstanceOf(KubeApiError);
    await expect(bare).rejects.toThrow(/must specify .*limits\.memory.*requests\.cpu/);
  });

  it("admits the stage pod, which is charged its requests and its memory limit", async () => {
    await createResource(admin, ns, "RoiDetectorTraining", "det", trainedDetector());
    const pod = await waitFor("the export-onnx pod", async () => (await listPods(admin, ns))[0]);
    expect(pod.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: "2", memory: "8Gi", "ephemeral-storage": "8Gi" },
      limits: { memory: "8448Mi" },
    });
    const used = await waitFor("the quota's usage", async () => {
      const quota = await admin.get<{ status?: { used?: Record<string, string> } }>(
        `/api/v1/namespaces/${ns}/resourcequotas/compute`,
      );
      return quota.status?.used?.["requests.cpu"] === "2" ? quota.status.used : undefined;
    });
    expect(used).toMatchObject({ "requests.cpu": "2", "requests.memory": "8Gi", "limits.memory": "8448Mi" });
  });

  it("reports a stage whose pods fit no node as Unschedulable, not as running", async () => {
    // Within the quota, but more CPUs than any node has (the simulated nodes have 96).
    await createResource(admin, ns, "RoiDetectorTraining", "huge", trainedDetector({ "export-onnx": { cpu: "200" } }));
    const ready = await readyCondition(admin, ns, "huge", "Unschedulable");
    expect(ready.status).toBe("False");
    expect(ready.message).toMatch(
      /stage export-onnx waits: Unschedulable: pod huge-roidet-export-onnx-\w+: 0\/\d+ nodes/,
    );
  });

  it("reports a stage whose pods the quota refuses as FailedCreate, not as running", async () => {
    // More CPU than the namespace's whole quota: the API refuses every pod of the Job, and only
    // the Job controller's FailedCreate events say so.
    await createResource(
      admin,
      ns,
      "RoiDetectorTraining",
      "overquota",
      trainedDetector({ "export-onnx": { cpu: "500" } }),
    );
    const ready = await readyCondition(admin, ns, "overquota", "FailedCreate");
    expect(ready.status).toBe("False");
    expect(ready.message).toMatch(
      /stage export-onnx waits: FailedCreate: Job overquota-roidet-export-onnx.*exceeded quota: compute/,
    );
  });
});

describe("a stage whose image the real kubelet node cannot get", () => {
  let admin: KubeClient;
  let ns: string;
  let operator: OperatorProcess | undefined;
  let undoRealNodeOnly: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "pull");
    undoRealNodeOnly = await onlyRealNode(admin);
    operator = startOperatorProcess({
      kubeconfig: kubeconfigPath(),
      namespace: ns,
      config: { images: { pythonStage: "localhost/mammoflow/not-built:0", pullPolicy: "Never" } },
    });
  });
  afterAll(async () => {
    await operator?.stop();
    await undoRealNodeOnly?.();
    await deleteNamespace(admin, ns);
  });

  it("is reported with the kubelet's reason and the image, not as running", async () => {
    await createResource(admin, ns, "RoiDetectorTraining", "nopull", trainedDetector());
    const ready = await readyCondition(admin, ns, "nopull", "ErrImageNeverPull");
    expect(ready.status).toBe("False");
    expect(ready.message).toContain("stage export-onnx waits: ErrImageNeverPull: pod nopull-roidet-export-onnx-");
    expect(ready.message).toContain("(image localhost/mammoflow/not-built:0)");
  });
});
