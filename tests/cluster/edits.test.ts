// Spec edits on the real control plane (simulated nodes): a stage is its request, so an edit that
// changes a stage's request runs it again as a new Job carrying the new request (in its pod
// template; no ConfigMap for a request this small), a Job of the old request is deleted even while it runs,
// and observedGeneration follows once the new request runs. A Reproduction whose mode changes
// deletes the children its new mode does not use.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../operator/kube/client.ts";
import { stageMessage } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { waitFor } from "./support/wait.ts";

const DIGEST = "mammoflow.io/request-digest";
const REQUEST_ANNOTATION = "request.mammoflow.io/request.json";
const exported = { message: stageMessage("export-onnx", ["model.onnx"]) };

describe("spec edits", () => {
  const cluster = useClusterNamespace("edits")
    .behaviours({ default: exported, "held-roidet-export-onnx": { hold: true } })
    .withOperator();
  const requestConfigMaps = async (resource: string) =>
    (
      await cluster.admin.list<KubeObject>(`/api/v1/namespaces/${cluster.name}/configmaps`, {
        labelSelector: `mammoflow.io/resource=${resource}`,
      })
    ).items.map((c) => c.metadata.name);
  const succeededAt = (name: string, generation: number) =>
    cluster.untilPhase("RoiDetectorTraining", name, "Succeeded", { generation });

  it("an edit of a finished resource runs the changed stage again as a new Job carrying the new request", async () => {
    await cluster.create("RoiDetectorTraining", "edited", {
      source: "Trained",
      checkpoint: "assets/trained/a.pth",
    });
    const first = await succeededAt("edited", 1);
    const before = await cluster.job("edited-roidet-export-onnx");
    expect(first.status?.stages?.[0]?.requestDigest).toBe(before?.metadata.annotations?.[DIGEST]);

    await cluster.patch("RoiDetectorTraining", "edited", {
      spec: { checkpoint: "assets/trained/b.pth" },
    });
    const second = await succeededAt("edited", 2);
    const after = await cluster.job("edited-roidet-export-onnx");
    expect(after?.metadata.uid).not.toBe(before?.metadata.uid);
    expect(after?.metadata.annotations?.[DIGEST]).not.toBe(before?.metadata.annotations?.[DIGEST]);
    expect(second.status?.stages?.[0]?.requestDigest).toBe(after?.metadata.annotations?.[DIGEST]);
    const checkpointOf = (job: typeof after) =>
      JSON.parse(job?.spec?.template.metadata?.annotations?.[REQUEST_ANNOTATION] ?? "{}").inputs?.checkpoint;
    expect([checkpointOf(before), checkpointOf(after)]).toEqual(["assets/trained/a.pth", "assets/trained/b.pth"]);
    expect(await requestConfigMaps("edited")).toEqual([]);

    // An edit no request depends on (pod sizes) is acted on without running anything again.
    await cluster.patch("RoiDetectorTraining", "edited", {
      spec: { placement: { gpusPerPod: 2 } },
    });
    await succeededAt("edited", 3);
    expect((await cluster.job("edited-roidet-export-onnx"))?.metadata.uid).toBe(after?.metadata.uid);
  });

  it("a running Job of the old request is deleted, and the new request runs once it is gone", async () => {
    await cluster.create("RoiDetectorTraining", "held", {
      source: "Trained",
      checkpoint: "assets/trained/a.pth",
    });
    const running = await waitFor("the held Job to run", async () => {
      const j = await cluster.job("held-roidet-export-onnx");
      return (j?.status?.active ?? 0) > 0 ? j : undefined;
    });
    await cluster.patch("RoiDetectorTraining", "held", {
      spec: { checkpoint: "assets/trained/b.pth" },
    });
    // The old Job never finishes by itself (held): only its deletion makes room for the new one.
    const replaced = await waitFor("the Job of the new request", async () => {
      const j = await cluster.job("held-roidet-export-onnx");
      return j && j.metadata.uid !== running.metadata.uid ? j : undefined;
    });
    expect(replaced.metadata.annotations?.[DIGEST]).not.toBe(running.metadata.annotations?.[DIGEST]);
    await cluster.behave({ default: exported });
    const done = await succeededAt("held", 2);
    expect(done.status?.stages?.[0]?.requestDigest).toBe(replaced.metadata.annotations?.[DIGEST]);
    expect((await cluster.job("held-roidet-export-onnx"))?.metadata.uid).toBe(replaced.metadata.uid);
  });

  it("a Reproduction switched to Trained deletes the dataset and folds it no longer needs", async () => {
    const kinds = ["RoiDetectorTraining", "ClassificationDataset", "ClassifierFold", "EngineBuild", "Submission"];
    const children = async () =>
      (await Promise.all(kinds.map((k) => cluster.list(k))))
        .flat()
        .filter((c) => c.metadata.name.startsWith("m-"))
        .map((c) => `${c.kind}/${c.metadata.name}`)
        .sort();
    await cluster.create("Reproduction", "m", { mode: "FullReproduce" });
    await waitFor("the FullReproduce children", async () => (await children()).length === 8);

    await cluster.patch("Reproduction", "m", { spec: { mode: "Trained" } });
    await waitFor(
      "the children Trained does not use to be deleted",
      async () => (await children()).length === 3,
      90_000,
      children,
    );
    expect(await children()).toEqual([
      "EngineBuild/m-engine",
      "RoiDetectorTraining/m-detector",
      "Submission/m-submission",
    ]);
  });
});
