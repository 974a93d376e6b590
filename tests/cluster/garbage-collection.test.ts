// Deleting a Reproduction deletes its children, their Jobs (which carry the stages' requests) and
// pods: every object carries an owner reference, and the real garbage collector does the rest.
import { describe, expect, it } from "vitest";
import { useClusterNamespace } from "./support/namespace.ts";
import { waitFor } from "./support/wait.ts";

describe("garbage collection", () => {
  const cluster = useClusterNamespace("gc")
    .behaviours({ default: { hold: true } })
    .withOperator();

  it("removes the children and their Jobs when the Reproduction is deleted", async () => {
    await cluster.create("Reproduction", "doomed", {});
    // In Trained mode the detector and the engine start at once (neither has an input).
    await waitFor(
      "the detector's and the engine's pods to run",
      async () => (await cluster.pods()).filter((p) => p.status?.phase === "Running").length === 2,
    );
    const started = ["doomed-detector-roidet-export-onnx", "doomed-engine-engine-export-onnx"];
    expect((await cluster.jobs()).map((j) => j.metadata.name).sort()).toEqual(started);
    const configMaps = async () =>
      (await cluster.admin.list<{ metadata: { name: string } }>(`/api/v1/namespaces/${cluster.name}/configmaps`)).items
        .map((c) => c.metadata.name)
        .filter((n) => n.startsWith("doomed-"));
    // Small requests travel in their Jobs: no request ConfigMap is left to collect.
    expect(await configMaps()).toEqual([]);

    await cluster.admin.delete(cluster.url("Reproduction", "doomed"), "Background");
    await waitFor("every owned object to be gone", async () => {
      const left = [
        ...(await cluster.list("RoiDetectorTraining")),
        ...(await cluster.list("EngineBuild")),
        ...(await cluster.list("Submission")),
        ...(await cluster.jobs()),
        ...(await cluster.pods()),
      ];
      return left.length === 0 && (await configMaps()).length === 0;
    });
  });
});
