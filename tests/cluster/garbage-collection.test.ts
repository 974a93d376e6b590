// Deleting a Reproduction deletes its children, their Jobs, request ConfigMaps and pods: every
// object carries an owner reference, and the real garbage collector does the rest.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../../operator/kube/client.ts";
import {
  adminClient,
  createNamespace,
  createResource,
  deleteNamespace,
  kubeconfigPath,
  listJobs,
  listPods,
  listResources,
  resourceUrl,
  setBehaviour,
} from "./support/cluster.ts";
import { type OperatorProcess, startOperatorProcess } from "./support/operator-process.ts";
import { waitFor } from "./support/wait.ts";

describe("garbage collection", () => {
  let admin: KubeClient;
  let ns: string;
  let operator: OperatorProcess;
  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "gc");
    await setBehaviour(admin, ns, { default: { hold: true } });
    operator = startOperatorProcess({ kubeconfig: kubeconfigPath(), namespace: ns });
  });
  afterAll(async () => {
    await operator?.stop();
    await deleteNamespace(admin, ns);
  });

  it("removes the children and their Jobs when the Reproduction is deleted", async () => {
    await createResource(admin, ns, "Reproduction", "doomed", {});
    // In Trained mode the detector and the engine start at once (neither has an input).
    await waitFor(
      "the detector's and the engine's pods to run",
      async () => (await listPods(admin, ns)).filter((p) => p.status?.phase === "Running").length === 2,
    );
    const started = ["doomed-detector-roidet-export-onnx", "doomed-engine-engine-export-onnx"];
    expect((await listJobs(admin, ns)).map((j) => j.metadata.name).sort()).toEqual(started);
    const configMaps = async () =>
      (await admin.list<{ metadata: { name: string } }>(`/api/v1/namespaces/${ns}/configmaps`)).items
        .map((c) => c.metadata.name)
        .filter((n) => n.startsWith("doomed-"));
    // One request ConfigMap per Job, named by the Job and its request's digest.
    const requests = (await configMaps()).sort();
    expect(requests).toHaveLength(started.length);
    for (const [i, job] of started.entries()) expect(requests[i]).toMatch(new RegExp(`^${job}-[0-9a-f]{10}$`));

    await admin.delete(resourceUrl(ns, "Reproduction", "doomed"), "Background");
    await waitFor("every owned object to be gone", async () => {
      const left = [
        ...(await listResources(admin, ns, "RoiDetectorTraining")),
        ...(await listResources(admin, ns, "EngineBuild")),
        ...(await listResources(admin, ns, "Submission")),
        ...(await listJobs(admin, ns)),
        ...(await listPods(admin, ns)),
      ];
      return left.length === 0 && (await configMaps()).length === 0;
    });
  });
});
