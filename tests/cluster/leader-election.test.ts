// Two operator replicas: only the Lease holder reconciles (every Event it records names its
// identity as reportingInstance); when it is killed, the standby takes the Lease and carries on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../../operator/kube/client.ts";
import {
  adminClient,
  createNamespace,
  createResource,
  deleteNamespace,
  getResource,
  kubeconfigPath,
  setBehaviour,
  stageMessage,
} from "./support/cluster.ts";
import { leaderIdentity, type OperatorProcess, startOperatorProcess } from "./support/operator-process.ts";
import { waitFor } from "./support/wait.ts";

interface Lease {
  spec: { holderIdentity?: string; leaseTransitions?: number };
}
interface EventObject {
  reason: string;
  reportingInstance?: string;
  involvedObject: { name: string };
}

describe("leader election", () => {
  let admin: KubeClient;
  let ns: string;
  const replicas: OperatorProcess[] = [];
  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "leader");
    await setBehaviour(admin, ns, { "export-onnx": { message: stageMessage("export-onnx", ["model.onnx"]) } });
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await deleteNamespace(admin, ns);
  });

  it("lets only the leader act, and hands over when the leader dies", async () => {
    replicas.push(startOperatorProcess({ kubeconfig: kubeconfigPath(), namespace: ns }));
    replicas.push(startOperatorProcess({ kubeconfig: kubeconfigPath(), namespace: ns }));
    const lease = () => admin.get<Lease>(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/mammoflow-operator`);
    const holder = await waitFor("a leader", async () => (await lease()).spec.holderIdentity || undefined);
    const leader = await waitFor("the leader's log line", () => replicas.find((r) => leaderIdentity(r) === holder));
    const standby = replicas.find((r) => r !== leader);
    expect(standby && leaderIdentity(standby)).toBeUndefined();

    await createResource(admin, ns, "RoiDetectorTraining", "first", { source: "Trained", checkpoint: "assets/d.pth" });
    await waitFor(
      "first to succeed",
      async () => (await getResource(admin, ns, "RoiDetectorTraining", "first")).status?.phase === "Succeeded",
    );
    const events = async () => (await admin.list<EventObject>(`/api/v1/namespaces/${ns}/events`)).items;
    const firstEvents = (await events()).filter((e) => e.involvedObject.name === "first");
    expect(firstEvents.map((e) => e.reason).sort()).toEqual(["Running", "StageStarted", "Succeeded"]);
    expect(new Set(firstEvents.map((e) => e.reportingInstance))).toEqual(new Set([holder]));

    // The leader crashes (no graceful release): the standby waits for the Lease to expire.
    await leader?.stop("SIGKILL");
    const next = await waitFor("a new leader", async () => {
      const h = (await lease()).spec.holderIdentity;
      return h && h !== holder ? h : undefined;
    });
    expect(standby && leaderIdentity(standby)).toBe(next);
    expect((await lease()).spec.leaseTransitions).toBe(1);

    await createResource(admin, ns, "RoiDetectorTraining", "second", { source: "Trained", checkpoint: "assets/d.pth" });
    await waitFor(
      "second to succeed",
      async () => (await getResource(admin, ns, "RoiDetectorTraining", "second")).status?.phase === "Succeeded",
    );
    const secondEvents = (await events()).filter((e) => e.involvedObject.name === "second");
    expect(new Set(secondEvents.map((e) => e.reportingInstance))).toEqual(new Set([next]));
  });
});
