// spec.suspend on the real control plane (simulated nodes, the real Job controller): a resource
// suspended before it starts creates no Job; suspending a running one suspends its Job in place
// (the Job controller removes its pods) and the status says Suspended; resuming un-suspends the
// same Job, which then completes; a Reproduction passes suspend to its children. Names too long
// for the Jobs derived from them are refused by the CRD's CEL rule.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeApiError, type KubeClient } from "../../operator/kube/client.ts";
import {
  adminClient,
  condition,
  createNamespace,
  createResource,
  deleteNamespace,
  getResource,
  kubeconfigPath,
  listJobs,
  listPods,
  listResources,
  resourceUrl,
  setBehaviour,
  stageMessage,
} from "./support/cluster.ts";
import { type OperatorProcess, startOperatorProcess } from "./support/operator-process.ts";
import { waitFor } from "./support/wait.ts";

const SUSPENDED_MARK = "mammoflow.io/suspended-by-resource";
const exported = { message: stageMessage("export-onnx", ["model.onnx"]) };
const trainedDetector = { source: "Trained", checkpoint: "assets/trained/a.pth" };

describe("spec.suspend", () => {
  let admin: KubeClient;
  let ns: string;
  let operator: OperatorProcess;
  const job = async (name: string) => (await listJobs(admin, ns)).find((j) => j.metadata.name === name);
  const activePods = async (jobUid: string | undefined) =>
    (await listPods(admin, ns)).filter(
      (p) =>
        p.metadata.ownerReferences?.some((o) => o.uid === jobUid) &&
        !p.metadata.deletionTimestamp &&
        p.status?.phase !== "Failed" &&
        p.status?.phase !== "Succeeded",
    );
  const phaseAt = (kind: string, name: string, phase: string, generation: number) =>
    waitFor(`${kind}/${name} ${phase} for generation ${generation}`, async () => {
      const r = await getResource(admin, ns, kind, name);
      return r.status?.phase === phase && r.status.observedGeneration === generation ? r : undefined;
    });
  const setSuspend = (kind: string, name: string, suspend: boolean) =>
    admin.mergePatch(resourceUrl(ns, kind, name), { spec: { suspend } });

  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "suspend");
    await setBehaviour(admin, ns, { default: exported, "held-roidet-export-onnx": { hold: true } });
    operator = startOperatorProcess({ kubeconfig: kubeconfigPath(), namespace: ns });
  });
  afterAll(async () => {
    await operator?.stop();
    await deleteNamespace(admin, ns);
  });

  it("a resource suspended before it starts creates no Job, and runs once resumed", async () => {
    await createResource(admin, ns, "RoiDetectorTraining", "early", { ...trainedDetector, suspend: true });
    const suspended = await phaseAt("RoiDetectorTraining", "early", "Suspended", 1);
    expect(condition(suspended, "Suspended")).toMatchObject({
      status: "True",
      reason: "Suspended",
      message: "spec.suspend is true: no stage was running and no stage starts until it is false (0/1 done)",
    });
    expect(condition(suspended, "Ready")).toMatchObject({ status: "False", reason: "Suspended" });
    // The status is written after the reconcile's actions: a Job would exist by now.
    expect(await job("early-roidet-export-onnx")).toBeUndefined();

    await setSuspend("RoiDetectorTraining", "early", false);
    const done = await phaseAt("RoiDetectorTraining", "early", "Succeeded", 2);
    expect(condition(done, "Suspended")).toBeUndefined();
  });

  it("suspending a running resource suspends its Job and stops its pods; resuming completes the same Job", async () => {
    await createResource(admin, ns, "RoiDetectorTraining", "held", trainedDetector);
    const running = await waitFor("the held Job to run", async () => {
      const j = await job("held-roidet-export-onnx");
      return (j?.status?.active ?? 0) > 0 ? j : undefined;
    });

    await setSuspend("RoiDetectorTraining", "held", true);
    const suspended = await phaseAt("RoiDetectorTraining", "held", "Suspended", 2);
    expect(condition(suspended, "Suspended")?.message).toBe(
      "spec.suspend is true: stage export-onnx is suspended and no stage starts until it is false (0/1 done)",
    );
    const held = await waitFor("the Job suspended with no active pod", async () => {
      const j = await job("held-roidet-export-onnx");
      const stopped = j?.spec?.suspend === true && (j.status?.active ?? 0) === 0;
      return stopped && (await activePods(j?.metadata.uid)).length === 0 ? j : undefined;
    });
    expect(held.metadata.uid).toBe(running.metadata.uid);
    expect(held.metadata.annotations?.[SUSPENDED_MARK]).toBe("true");
    expect(held.status?.conditions?.find((c) => c.type === "Suspended")?.status).toBe("True");

    // The stage's program now finishes; resuming gives the same Job a new pod.
    await setBehaviour(admin, ns, { default: exported });
    await setSuspend("RoiDetectorTraining", "held", false);
    const done = await phaseAt("RoiDetectorTraining", "held", "Succeeded", 3);
    const resumed = await job("held-roidet-export-onnx");
    expect(resumed?.metadata.uid).toBe(running.metadata.uid);
    expect(resumed?.spec?.suspend).toBe(false);
    expect(resumed?.metadata.annotations?.[SUSPENDED_MARK]).toBeUndefined();
    expect(done.status?.stages?.[0]).toMatchObject({ phase: "Succeeded", jobName: "held-roidet-export-onnx" });
    expect(done.status?.stages?.[0]?.requestDigest).toBe(suspended.status?.stages?.[0]?.requestDigest);
    expect(condition(done, "Failed")).toBeUndefined();
    // The pod the suspension stopped is not a failed attempt (the Job controller counts none).
    expect(done.status?.stages?.[0]?.attempts).toBe(0);
  });

  it("a suspended Reproduction gives suspend to its children, none starts a Job, and resuming starts them", async () => {
    const kinds = ["RoiDetectorTraining", "EngineBuild", "Submission"];
    const children = async () =>
      (await Promise.all(kinds.map((k) => listResources(admin, ns, k))))
        .flat()
        .filter((c) => c.metadata.name.startsWith("repro-"));
    await createResource(admin, ns, "Reproduction", "repro", { suspend: true });
    const suspended = await phaseAt("Reproduction", "repro", "Suspended", 1);
    expect(condition(suspended, "Suspended")?.reason).toBe("Suspended");
    const held = await waitFor("the three children, each Suspended", async () => {
      const list = await children();
      return list.length === 3 && list.every((c) => c.status?.phase === "Suspended") ? list : undefined;
    });
    expect(held.map((c) => (c.spec as { suspend?: boolean }).suspend)).toEqual([true, true, true]);
    expect((await listJobs(admin, ns)).filter((j) => j.metadata.name?.startsWith("repro-"))).toEqual([]);

    await setSuspend("Reproduction", "repro", false);
    await waitFor("the detector child's Job", async () => job("repro-detector-roidet-export-onnx"));
    const resumed = await children();
    expect(resumed.map((c) => (c.spec as { suspend?: boolean }).suspend)).toEqual([false, false, false]);
  });
});

describe("names too long for their Jobs", () => {
  let admin: KubeClient;
  let ns: string;
  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "longname");
  });
  afterAll(async () => deleteNamespace(admin, ns));

  async function refusal(promise: Promise<unknown>): Promise<KubeApiError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof KubeApiError) return error;
      throw error;
    }
    throw new Error("the API server accepted a name too long for its Jobs");
  }

  it("are refused by the API server with the limit; a name at the limit is accepted", async () => {
    const long = "d".repeat(42);
    const error = await refusal(createResource(admin, ns, "RoiDetectorTraining", long, trainedDetector));
    expect(error.statusCode).toBe(422);
    expect(error.message).toBe(
      `RoiDetectorTraining.mammoflow.io "${long}" is invalid: metadata.name: Invalid value: metadata.name must be at most 41 characters: the operator names Jobs <name>-roidet-train-detector (at most 63 characters, the limit of a label value)`,
    );
    await createResource(admin, ns, "RoiDetectorTraining", "d".repeat(41), trainedDetector);

    const reproduction = await refusal(createResource(admin, ns, "Reproduction", "r".repeat(31), {}));
    expect(reproduction.message).toContain("metadata.name must be at most 30 characters");
  });
});
