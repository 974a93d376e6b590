// spec.suspend on the real control plane (simulated nodes, the real Job controller): a resource
// suspended before it starts creates no Job; suspending a running one suspends its Job in place
// (the Job controller removes its pods) and the status says Suspended; resuming un-suspends the
// same Job, which then completes; a Reproduction passes suspend to its children. Names too long
// for the Jobs derived from them are refused by the CRD's CEL rule.
import { describe, expect, it } from "vitest";
import { condition, stageMessage } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { refusal } from "./support/refusal.ts";
import { waitFor } from "./support/wait.ts";

const SUSPENDED_MARK = "mammoflow.io/suspended-by-resource";
const exported = { message: stageMessage("export-onnx", ["model.onnx"]) };
const trainedDetector = { source: "Trained", checkpoint: "assets/trained/a.pth" };

describe("spec.suspend", () => {
  const cluster = useClusterNamespace("suspend")
    .behaviours({ default: exported, "held-roidet-export-onnx": { hold: true } })
    .withOperator();
  const phaseAt = (kind: string, name: string, phase: string, generation: number) =>
    cluster.untilPhase(kind, name, phase, { generation });
  const setSuspend = (kind: string, name: string, suspend: boolean) => cluster.patch(kind, name, { spec: { suspend } });

  it("a resource suspended before it starts creates no Job, and runs once resumed", async () => {
    await cluster.create("RoiDetectorTraining", "early", { ...trainedDetector, suspend: true });
    const suspended = await phaseAt("RoiDetectorTraining", "early", "Suspended", 1);
    expect(condition(suspended, "Suspended")).toMatchObject({
      status: "True",
      reason: "Suspended",
      message: "spec.suspend is true: no stage was running and no stage starts until it is false (0/1 done)",
    });
    expect(condition(suspended, "Ready")).toMatchObject({ status: "False", reason: "Suspended" });
    // The status is written after the reconcile's actions: a Job would exist by now.
    expect(await cluster.job("early-roidet-export-onnx")).toBeUndefined();

    await setSuspend("RoiDetectorTraining", "early", false);
    const done = await phaseAt("RoiDetectorTraining", "early", "Succeeded", 2);
    expect(condition(done, "Suspended")).toBeUndefined();
  });

  it("suspending a running resource suspends its Job and stops its pods; resuming completes the same Job", async () => {
    await cluster.create("RoiDetectorTraining", "held", trainedDetector);
    const running = await waitFor("the held Job to run", async () => {
      const j = await cluster.job("held-roidet-export-onnx");
      return (j?.status?.active ?? 0) > 0 ? j : undefined;
    });

    await setSuspend("RoiDetectorTraining", "held", true);
    const suspended = await phaseAt("RoiDetectorTraining", "held", "Suspended", 2);
    expect(condition(suspended, "Suspended")?.message).toBe(
      "spec.suspend is true: stage export-onnx is suspended and no stage starts until it is false (0/1 done)",
    );
    const held = await waitFor("the Job suspended with no active pod", async () => {
      const j = await cluster.job("held-roidet-export-onnx");
      const stopped = j?.spec?.suspend === true && (j.status?.active ?? 0) === 0;
      return stopped && (await cluster.activePods(j?.metadata.uid)).length === 0 ? j : undefined;
    });
    expect(held.metadata.uid).toBe(running.metadata.uid);
    expect(held.metadata.annotations?.[SUSPENDED_MARK]).toBe("true");
    expect(held.status?.conditions?.find((c) => c.type === "Suspended")?.status).toBe("True");

    // The stage's program now finishes; resuming gives the same Job a new pod.
    await cluster.behave({ default: exported });
    await setSuspend("RoiDetectorTraining", "held", false);
    const done = await phaseAt("RoiDetectorTraining", "held", "Succeeded", 3);
    const resumed = await cluster.job("held-roidet-export-onnx");
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
      (await Promise.all(kinds.map((k) => cluster.list(k)))).flat().filter((c) => c.metadata.name.startsWith("repro-"));
    await cluster.create("Reproduction", "repro", { suspend: true });
    const suspended = await phaseAt("Reproduction", "repro", "Suspended", 1);
    expect(condition(suspended, "Suspended")?.reason).toBe("Suspended");
    const held = await waitFor("the three children, each Suspended", async () => {
      const list = await children();
      return list.length === 3 && list.every((c) => c.status?.phase === "Suspended") ? list : undefined;
    });
    expect(held.map((c) => (c.spec as { suspend?: boolean }).suspend)).toEqual([true, true, true]);
    expect((await cluster.jobs()).filter((j) => j.metadata.name?.startsWith("repro-"))).toEqual([]);

    await setSuspend("Reproduction", "repro", false);
    await waitFor("the detector child's Job", async () => cluster.job("repro-detector-roidet-export-onnx"));
    const resumed = await children();
    expect(resumed.map((c) => (c.spec as { suspend?: boolean }).suspend)).toEqual([false, false, false]);
  });
});

describe("names too long for their Jobs", () => {
  const cluster = useClusterNamespace("longname");
  const refused = (request: Promise<unknown>) =>
    refusal(request, "the API server accepted a name too long for its Jobs");

  it("are refused by the API server with the limit; a name at the limit is accepted", async () => {
    const long = "d".repeat(42);
    const error = await refused(cluster.create("RoiDetectorTraining", long, trainedDetector));
    expect(error.statusCode).toBe(422);
    expect(error.message).toBe(
      `RoiDetectorTraining.mammoflow.io "${long}" is invalid: metadata.name: Invalid value: metadata.name must be at most 41 characters: the operator names Jobs <name>-roidet-train-detector (at most 63 characters, the limit of a label value)`,
    );
    await cluster.create("RoiDetectorTraining", "d".repeat(41), trainedDetector);

    const reproduction = await refused(cluster.create("Reproduction", "r".repeat(31), {}));
    expect(reproduction.message).toContain("metadata.name must be at most 30 characters");
  });
});
