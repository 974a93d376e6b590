// Classifier folds on simulated A100 nodes (2 nodes × 2 nvidia.com/gpu, tainted and labelled as
// NVIDIA's feature discovery does): the real scheduler runs four folds in parallel, one GPU
// each, and keeps a fifth Pending for lack of GPUs.
import { describe, expect, it } from "vitest";
import { succeeding } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { waitFor } from "./support/wait.ts";

describe("GPU scheduling", () => {
  const cluster = useClusterNamespace("gpu")
    .behaviours({ ...succeeding("export-onnx", "prepare-dataset", "cv-split"), "train-fold": { hold: true } })
    .withOperator();

  it("runs four folds at once on A100 nodes with one GPU each; a fifth waits for a GPU", async () => {
    await cluster.create("RoiDetectorTraining", "det", { source: "Trained", checkpoint: "assets/d.pth" });
    await cluster.create("ClassificationDataset", "data", {
      detector: { name: "det" },
      shards: 1,
      cvSplit: { folds: 5 },
    });
    for (const fold of [0, 1, 2, 3, 4]) {
      await cluster.create("ClassifierFold", `f${fold}`, { dataset: { name: "data" }, fold, numFolds: 5 });
    }
    const trainPods = async () =>
      (await cluster.pods()).filter((p) => p.metadata.labels?.["mammoflow.io/stage"] === "train-fold");
    const pods = await waitFor(
      "four running folds and one unschedulable",
      async () => {
        const all = await trainPods();
        const running = all.filter((p) => p.status?.phase === "Running");
        const unschedulable = all.filter((p) =>
          p.status?.conditions?.some(
            (c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
          ),
        );
        return running.length === 4 && unschedulable.length === 1 ? { running, unschedulable } : undefined;
      },
      120_000,
      async () => (await trainPods()).map((p) => [p.metadata.name, p.spec?.nodeName, p.status?.phase]),
    );
    const perNode = new Map<string, number>();
    for (const pod of pods.running) {
      expect(pod.spec?.containers[0]?.resources?.requests).toEqual({
        cpu: "8",
        memory: "48Gi",
        "ephemeral-storage": "20Gi",
        "nvidia.com/gpu": "1",
      });
      const node = pod.spec?.nodeName ?? "";
      perNode.set(node, (perNode.get(node) ?? 0) + 1);
    }
    expect([...perNode.entries()].sort()).toEqual([
      ["a100-0", 2],
      ["a100-1", 2],
    ]);
    const waiting = pods.unschedulable[0]?.status?.conditions?.find((c) => c.type === "PodScheduled");
    expect(waiting?.message).toContain("Insufficient nvidia.com/gpu");
    const nodes = await cluster.admin.list<{ metadata: { name: string; labels: Record<string, string> } }>(
      "/api/v1/nodes",
    );
    for (const name of ["a100-0", "a100-1"]) {
      expect(nodes.items.find((n) => n.metadata.name === name)?.metadata.labels["nvidia.com/gpu.product"]).toBe(
        "NVIDIA-A100-SXM4-80GB",
      );
    }
  });
});
