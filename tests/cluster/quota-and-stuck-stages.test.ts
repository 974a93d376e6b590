// Stage pods under a compute ResourceQuota, and stages that cannot start (no node fits, the quota
// refuses the pods, the image cannot be pulled). The quota and the scheduler are the real
// kube-apiserver admission and kube-scheduler; the quota tests' pods land on simulated nodes
// (nodesim holds them Running), the image-pull test's pod on the real kubelet node, whose
// containerd really fails to find the image.
import { describe, expect, it } from "vitest";
import { KubeApiError } from "../../operator/kube/client.ts";
import { condition } from "./support/cluster.ts";
import { type TestNamespace, useClusterNamespace } from "./support/namespace.ts";
import { waitFor } from "./support/wait.ts";

const trainedDetector = (resources?: Record<string, unknown>) => ({
  source: "Trained",
  checkpoint: "assets/trained/yolox_nano_416_roi_torch.pth",
  placement: { gpusPerPod: 0, ...(resources ? { resources } : {}) },
});

const readyCondition = (namespace: TestNamespace, name: string, reason: string) =>
  waitFor(
    `RoiDetectorTraining/${name} Ready reason ${reason}`,
    async () => {
      const ready = condition(await namespace.get("RoiDetectorTraining", name), "Ready");
      return ready?.reason === reason ? ready : undefined;
    },
    120_000,
    async () => condition(await namespace.get("RoiDetectorTraining", name), "Ready"),
  );

describe("stage pods under a compute ResourceQuota (simulated nodes)", () => {
  const cluster = useClusterNamespace("quota")
    .setup(async (t) => {
      await t.admin.create(`/api/v1/namespaces/${t.name}/resourcequotas`, {
        apiVersion: "v1",
        kind: "ResourceQuota",
        metadata: { name: "compute", namespace: t.name },
        spec: {
          hard: {
            "requests.cpu": "400",
            "requests.memory": "4Ti",
            "limits.memory": "4Ti",
            "requests.ephemeral-storage": "10Ti",
          },
        },
      });
    })
    .behaviours({ default: { hold: true } })
    .withOperator();

  it("refuses a pod without requests and limits: the quota is enforced", async () => {
    const bare = cluster.admin.create(`/api/v1/namespaces/${cluster.name}/pods`, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "besteffort", namespace: cluster.name },
      spec: { containers: [{ name: "c", image: "unused" }] },
    });
    await expect(bare).rejects.toBeInstanceOf(KubeApiError);
    await expect(bare).rejects.toThrow(/must specify .*limits\.memory.*requests\.cpu/);
  });

  it("admits the stage pod, which is charged its requests and its memory limit", async () => {
    await cluster.create("RoiDetectorTraining", "det", trainedDetector());
    const pod = await waitFor("the export-onnx pod", async () => (await cluster.pods())[0]);
    expect(pod.spec?.containers[0]?.resources).toEqual({
      requests: { cpu: "2", memory: "8Gi", "ephemeral-storage": "8Gi" },
      limits: { memory: "8448Mi" },
    });
    const used = await waitFor("the quota's usage", async () => {
      const quota = await cluster.admin.get<{ status?: { used?: Record<string, string> } }>(
        `/api/v1/namespaces/${cluster.name}/resourcequotas/compute`,
      );
      return quota.status?.used?.["requests.cpu"] === "2" ? quota.status.used : undefined;
    });
    expect(used).toMatchObject({ "requests.cpu": "2", "requests.memory": "8Gi", "limits.memory": "8448Mi" });
  });

  it("reports a stage whose pods fit no node as Unschedulable, not as running", async () => {
    // Within the quota, but more CPUs than any node has (the simulated nodes have 96).
    await cluster.create("RoiDetectorTraining", "huge", trainedDetector({ "export-onnx": { cpu: "200" } }));
    const ready = await readyCondition(cluster, "huge", "Unschedulable");
    expect(ready.status).toBe("False");
    expect(ready.message).toMatch(
      /stage export-onnx waits: Unschedulable: pod huge-roidet-export-onnx-\w+: 0\/\d+ nodes/,
    );
  });

  it("reports a stage whose pods the quota refuses as FailedCreate, not as running", async () => {
    // More CPU than the namespace's whole quota: the API refuses every pod of the Job, and only
    // the Job controller's FailedCreate events say so.
    await cluster.create("RoiDetectorTraining", "overquota", trainedDetector({ "export-onnx": { cpu: "500" } }));
    const ready = await readyCondition(cluster, "overquota", "FailedCreate");
    expect(ready.status).toBe("False");
    expect(ready.message).toMatch(
      /stage export-onnx waits: FailedCreate: Job overquota-roidet-export-onnx.*exceeded quota: compute/,
    );
  });
});

describe("a stage whose image the real kubelet node cannot get", () => {
  const cluster = useClusterNamespace("pull")
    .onlyRealNode()
    .withOperator({ config: { images: { pythonStage: "localhost/mammoflow/not-built:0", pullPolicy: "Never" } } });

  it("is reported with the kubelet's reason and the image, not as running", async () => {
    await cluster.create("RoiDetectorTraining", "nopull", trainedDetector());
    const ready = await readyCondition(cluster, "nopull", "ErrImageNeverPull");
    expect(ready.status).toBe("False");
    expect(ready.message).toContain("stage export-onnx waits: ErrImageNeverPull: pod nopull-roidet-export-onnx-");
    expect(ready.message).toContain("(image localhost/mammoflow/not-built:0)");
  });
});
