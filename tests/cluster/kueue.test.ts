// Real Kueue v0.17 (harness/kueue.ts) admitting the operator's stage Jobs on the real control
// plane with simulated nodes (nodesim holds the pods Running until the test lets them finish):
// a ClusterQueue of 2 GPUs admits two of four folds' training Jobs and keeps the other two
// suspended, which the folds show as phase Queued, and admits them, the same Jobs, once the first
// two finished; a ClusterQueue stopped with HoldAndDrain evicts a running stage, whose Job Kueue
// suspends in place (the resource shows Queued, not Failed, and no second Job appears), and
// lifting the stop resumes that same Job to the end; a resource's spec.suspend holds its
// admitted Job (the operator deactivates the Workload, else Kueue would start the Job again). A
// Reproduction whose children's Jobs wait in the stopped queue shows Queued, not Running.
import type { CoreV1Event, V1Job } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RESOURCE_LABEL, STAGE_ID_LABEL, STAGE_LABEL } from "../../operator/executors/kubernetes/names.ts";
import type { KubeObject } from "../../operator/kube/client.ts";
import { type Kueue, startKueue } from "./harness/kueue.ts";
import { adminClient, type Behaviour, condition, kubeconfigPath, stageMessage, succeeding } from "./support/cluster.ts";
import { type TestNamespace, useClusterNamespace } from "./support/namespace.ts";
import { waitFor } from "./support/wait.ts";

const KUEUE_API = "/apis/kueue.x-k8s.io/v1beta2";
const LOCAL_QUEUE = "stages";
const GPU = "nvidia.com/gpu";
const SUSPENDED_MARK = "mammoflow.io/suspended-by-resource";
const trained = { message: stageMessage("train-fold", ["last.pth.tar"]) };
const exported = { message: stageMessage("export-onnx", ["model.onnx"]) };

interface Workload extends KubeObject {
  spec?: { active?: boolean };
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
}
interface ClusterQueue extends KubeObject {
  status?: {
    conditions?: { type: string; status: string; reason: string }[];
    admittedWorkloads?: number;
    pendingWorkloads?: number;
    flavorsUsage?: { name: string; resources: { name: string; total: string }[] }[];
  };
}

describe("stage Jobs under real Kueue (ClusterQueue of 2 GPUs)", () => {
  let kueue: Kueue | undefined;
  let clusterQueue: string | undefined;
  let flavor: string | undefined;
  // Kueue runs before the namespace exists and until it is gone: these hooks are declared before
  // the namespace's, so this afterAll runs after its (vitest runs after-hooks in reverse).
  beforeAll(async () => {
    // A cold Kueue build (about 5 min on 2 cores, more on a loaded machine) happens here when
    // the background preload has not made it.
    kueue = await startKueue(adminClient(), kubeconfigPath());
  }, 30 * 60_000);
  afterAll(async () => {
    // After the namespace, while Kueue runs, so that it lifts its finalizers from the Workloads and queues.
    const admin = adminClient();
    if (clusterQueue) await admin.delete(`${KUEUE_API}/clusterqueues/${clusterQueue}`).catch(() => undefined);
    if (flavor) await admin.delete(`${KUEUE_API}/resourceflavors/${flavor}`).catch(() => undefined);
    await kueue?.stop();
  }, 180_000);

  // The whole nodesim ConfigMap: applying a part would drop the rest.
  const behaviours: Record<string, Behaviour> = {
    ...succeeding("export-onnx", "prepare-dataset", "cv-split"),
    "train-fold": { hold: true },
  };
  const cluster = useClusterNamespace("kueue")
    .setup(createQueues)
    .behaviours(behaviours)
    .withOperator({ config: { kueue: { queueName: LOCAL_QUEUE } } });
  const behave = (more: Record<string, Behaviour>) => cluster.behave(Object.assign(behaviours, more));
  const stageJobs = async (stage: string) =>
    (await cluster.jobs()).filter((j) => j.metadata.labels?.[STAGE_LABEL] === stage);
  const running = (job: V1Job) => job.spec?.suspend === false && (job.status?.active ?? 0) > 0;
  const workloadOf = async (job: V1Job) =>
    (await cluster.admin.list<Workload>(`${KUEUE_API}/namespaces/${cluster.name}/workloads`)).items.find((w) =>
      w.metadata.ownerReferences?.some((o) => o.uid === job.metadata?.uid),
    );
  const isTrue = (w: Workload | undefined, type: string) =>
    w?.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;
  const clusterQueueStatus = async () =>
    (await cluster.admin.get<ClusterQueue>(`${KUEUE_API}/clusterqueues/${clusterQueue}`)).status;

  /** A ResourceFlavor, a ClusterQueue of 2 GPUs for the namespace and its LocalQueue, once Active. */
  async function createQueues({ admin, name: ns }: TestNamespace) {
    clusterQueue = `stages-${ns}`;
    flavor = `default-${ns}`;
    await admin.create(`${KUEUE_API}/resourceflavors`, {
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "ResourceFlavor",
      metadata: { name: flavor },
    });
    const quota = { cpu: "1000", memory: "10Ti", "ephemeral-storage": "100Ti", [GPU]: "2" };
    await admin.create(`${KUEUE_API}/clusterqueues`, {
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "ClusterQueue",
      metadata: { name: clusterQueue },
      spec: {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
        // Admission in creation order: with the default BestEffortFIFO, a fold's second run
        // (created when its first one ends) was seen to be admitted before the older first runs
        // of the folds still waiting, which Kueue had set aside as inadmissible.
        queueingStrategy: "StrictFIFO",
        resourceGroups: [
          {
            coveredResources: Object.keys(quota),
            flavors: [
              {
                name: flavor,
                resources: Object.entries(quota).map(([name, nominalQuota]) => ({ name, nominalQuota })),
              },
            ],
          },
        ],
      },
    });
    await admin.create(`${KUEUE_API}/namespaces/${ns}/localqueues`, {
      apiVersion: "kueue.x-k8s.io/v1beta2",
      kind: "LocalQueue",
      metadata: { name: LOCAL_QUEUE, namespace: ns },
      spec: { clusterQueue },
    });
    await waitFor(
      "the ClusterQueue Active",
      async () => (await clusterQueueStatus())?.conditions?.some((c) => c.type === "Active" && c.status === "True"),
      120_000,
      clusterQueueStatus,
    );
  }

  it("admits two of four folds' GPU Jobs, shows the other two Queued, and admits those same Jobs when GPUs free up", async () => {
    await cluster.create("RoiDetectorTraining", "det", { source: "Trained", checkpoint: "assets/d.pth" });
    await cluster.create("ClassificationDataset", "data", {
      detector: { name: "det" },
      shards: 1,
      cvSplit: { folds: 4 },
    });
    for (const fold of [0, 1, 2, 3]) {
      await cluster.create("ClassifierFold", `f${fold}`, { dataset: { name: "data" }, fold, numFolds: 4 });
    }
    // Folds 0 and 1 train twice (the seed's schedule), 2 and 3 once: every fold's first run
    // (train-fold-1) starts together, once the dataset is Ready.
    const firstRuns = async () =>
      (await stageJobs("train-fold")).filter((j) => j.metadata.labels?.[STAGE_ID_LABEL] === "train-fold-1");
    const first = await waitFor(
      "four train-fold-1 Jobs: two admitted and running, two suspended by Kueue",
      async () => {
        const jobs = await firstRuns();
        const admitted = jobs.filter(running);
        const held = jobs.filter((j) => j.spec?.suspend === true);
        return jobs.length === 4 && admitted.length === 2 && held.length === 2 ? { jobs, admitted, held } : undefined;
      },
      300_000,
      async () => (await stageJobs("train-fold")).map((j) => [j.metadata.name, j.spec?.suspend, j.status?.active]),
    );
    expect((await stageJobs("train-fold")).length).toBe(4);
    const foldOf = (job: V1Job) => job.metadata?.labels?.[RESOURCE_LABEL] ?? "";
    const queuedFolds = first.held.map(foldOf).sort();
    const runningFolds = first.admitted.map(foldOf).sort();
    expect([...queuedFolds, ...runningFolds].sort()).toEqual(["f0", "f1", "f2", "f3"]);

    // What `kubectl get classifierfolds` shows: the Phase column and the Ready condition.
    const phases = () =>
      cluster
        .list("ClassifierFold")
        .then((list) => Object.fromEntries(list.map((f) => [f.metadata.name, f.status?.phase])));
    const phasesAre = (expected: Record<string, string>) =>
      waitFor(
        `the folds' phases ${JSON.stringify(expected)}`,
        async () => {
          const now = await phases();
          return Object.keys(now).length === 4 && Object.entries(expected).every(([f, phase]) => now[f] === phase);
        },
        180_000,
        phases,
      );
    await phasesAre(
      Object.fromEntries([...queuedFolds.map((f) => [f, "Queued"]), ...runningFolds.map((f) => [f, "Running"])]),
    );
    for (const job of first.held) {
      const fold = await cluster.get("ClassifierFold", foldOf(job));
      const stage = job.metadata?.labels?.[STAGE_ID_LABEL];
      expect(condition(fold, "Ready")).toMatchObject({
        status: "False",
        reason: "Queued",
        message: `running stage ${stage} (0/${fold.status?.stages?.length} done); stage ${stage} waits: Queued: Job ${job.metadata?.name} waits in Kueue queue ${LOCAL_QUEUE} for admission`,
      });
      expect(fold.status?.stages?.[0]).toMatchObject({ phase: "Running", jobName: job.metadata?.name, attempts: 0 });
      expect(isTrue(await workloadOf(job), "QuotaReserved")).toBe(false);
    }
    for (const job of first.admitted) {
      const fold = await cluster.get("ClassifierFold", foldOf(job));
      expect(condition(fold, "Ready")?.reason).toBe("StagesRunning");
      expect(isTrue(await workloadOf(job), "Admitted")).toBe(true);
    }
    const trainPods = async () =>
      (await cluster.pods()).filter(
        (p) => p.metadata.labels?.[STAGE_LABEL] === "train-fold" && !p.metadata.deletionTimestamp,
      );
    await waitFor(
      "two train-fold pods Running, no other",
      async () => (await trainPods()).map((p) => p.status?.phase).join() === "Running,Running",
      120_000,
      async () => (await trainPods()).map((p) => [p.metadata.name, p.status?.phase]),
    );
    const usage = await waitFor(
      "the ClusterQueue's GPU usage",
      async () => {
        const status = await clusterQueueStatus();
        const gpus = status?.flavorsUsage?.[0]?.resources.find((r) => r.name === GPU)?.total;
        return status?.admittedWorkloads === 2 && status.pendingWorkloads === 2 ? { gpus } : undefined;
      },
      90_000,
      clusterQueueStatus,
    );
    expect(usage.gpus).toBe("2");

    // The two admitted runs finish: Kueue admits the two Jobs it held (older than any second run
    // the finished folds start now, which waits in turn: the 2 GPUs are taken).
    await behave(Object.fromEntries(first.admitted.map((j) => [j.metadata?.name ?? "", trained])));
    await waitFor(
      "the two held Jobs admitted and running",
      async () => (await firstRuns()).filter((j) => queuedFolds.includes(foldOf(j)) && running(j)).length === 2,
      300_000,
      async () => (await stageJobs("train-fold")).map((j) => [j.metadata.name, j.spec?.suspend, j.status?.active]),
    );
    expect((await firstRuns()).map((j) => j.metadata.uid).sort()).toEqual(first.jobs.map((j) => j.metadata.uid).sort());
    const runs = Object.fromEntries(
      (await cluster.list("ClassifierFold")).map((f) => [f.metadata.name, f.status?.stages?.length ?? 0]),
    );
    await phasesAre(
      Object.fromEntries([
        ...queuedFolds.map((f) => [f, "Running"]),
        ...runningFolds.map((f) => [f, runs[f] === 1 ? "Succeeded" : "Queued"]),
      ]),
    );

    await behave({ "train-fold": trained });
    await phasesAre({ f0: "Succeeded", f1: "Succeeded", f2: "Succeeded", f3: "Succeeded" });
    // One Job per training run, the first runs' Jobs the ones Kueue held or admitted at first.
    const jobs = await stageJobs("train-fold");
    expect(jobs.length).toBe(Object.values(runs).reduce((a, b) => a + b, 0));
    expect((await firstRuns()).map((j) => j.metadata.uid).sort()).toEqual(first.jobs.map((j) => j.metadata.uid).sort());
    for (const fold of await cluster.list("ClassifierFold")) {
      expect(fold.status?.stages?.map((s) => [s.phase, s.attempts])).toEqual(
        Array.from({ length: runs[fold.metadata.name] ?? 0 }, () => ["Succeeded", 0]),
      );
      expect(condition(fold, "Failed")).toBeUndefined();
    }
  }, 900_000);

  it("a running stage Kueue evicts (ClusterQueue stopPolicy HoldAndDrain) is Queued, its Job suspended in place; lifting the stop resumes that Job to Succeeded", async () => {
    const jobName = "drain-roidet-export-onnx";
    await behave({ [jobName]: { hold: true } });
    const drainJobs = async () => (await cluster.jobs()).filter((j) => j.metadata.name === jobName);
    await cluster.create("RoiDetectorTraining", "drain", { source: "Trained", checkpoint: "assets/d.pth" });
    const admitted = await waitFor(
      "the drain Job admitted and running",
      async () => (await drainJobs()).find(running),
      180_000,
      drainJobs,
    );
    await waitFor("RoiDetectorTraining/drain Running", async () => {
      const r = await cluster.get("RoiDetectorTraining", "drain");
      return r.status?.phase === "Running" && condition(r, "Ready")?.reason === "StagesRunning";
    });

    await cluster.admin.mergePatch(`${KUEUE_API}/clusterqueues/${clusterQueue}`, {
      spec: { stopPolicy: "HoldAndDrain" },
    });
    const evicted = await waitFor(
      "Kueue to suspend the Job, with no active pod",
      async () => {
        const [job] = await drainJobs();
        const stopped = job?.spec?.suspend === true && (job.status?.active ?? 0) === 0;
        return stopped && (await cluster.activePods(admitted.metadata.uid)).length === 0 ? job : undefined;
      },
      180_000,
      async () => (await drainJobs()).map((j) => [j.spec?.suspend, j.status?.active]),
    );
    expect(evicted.metadata.uid).toBe(admitted.metadata.uid);
    // Kueue suspended it, not the operator (which resumes only Jobs it marked).
    expect(evicted.metadata.annotations?.[SUSPENDED_MARK]).toBeUndefined();
    const workload = await workloadOf(evicted);
    expect(workload?.status?.conditions?.find((c) => c.type === "Evicted")).toMatchObject({
      status: "True",
      reason: "ClusterQueueStopped",
    });

    const queued = await cluster.untilPhase("RoiDetectorTraining", "drain", "Queued", { timeoutMs: 120_000 });
    expect(condition(queued, "Ready")).toMatchObject({
      status: "False",
      reason: "Queued",
      message: `running stage export-onnx (0/1 done); stage export-onnx waits: Queued: Job ${jobName} waits in Kueue queue ${LOCAL_QUEUE} for admission`,
    });
    expect(condition(queued, "Failed")).toBeUndefined();
    expect(condition(queued, "Suspended")).toBeUndefined();
    expect(queued.status?.stages?.[0]).toMatchObject({ phase: "Running", jobName, attempts: 0 });
    const events = await cluster.admin.list<CoreV1Event>(`/api/v1/namespaces/${cluster.name}/events`, {
      fieldSelector: "involvedObject.name=drain,reason=Queued",
    });
    expect(events.items.map((e) => e.type)).toContain("Normal");
    // The stop holds: a while later the Job is still the one, still suspended.
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await drainJobs()).map((j) => [j.metadata.uid, j.spec?.suspend])).toEqual([[admitted.metadata.uid, true]]);

    // A Reproduction whose children's Jobs the stopped queue does not admit runs nothing: it is
    // Queued, naming them, not Running. Deleted before the stop is lifted, its Jobs never run.
    await cluster.create("Reproduction", "waits", {});
    const waits = await waitFor(
      "Reproduction/waits Queued with both children named",
      async () => {
        const r = await cluster.get("Reproduction", "waits");
        return r.status?.phase === "Queued" && condition(r, "Ready")?.message?.includes("EngineBuild") ? r : undefined;
      },
      120_000,
      async () => (await cluster.get("Reproduction", "waits")).status,
    );
    expect(condition(waits, "Ready")).toMatchObject({
      status: "False",
      reason: "ChildrenQueued",
      message:
        "0/3 resources succeeded; nothing runs: RoiDetectorTraining/waits-detector, EngineBuild/waits-engine wait in a Kueue queue for admission",
    });
    await cluster.admin.delete(cluster.url("Reproduction", "waits"), "Background");
    const waitsJobs = async () => (await cluster.jobs()).filter((j) => j.metadata.name?.startsWith("waits-"));
    await waitFor("the Reproduction's Jobs deleted", async () => (await waitsJobs()).length === 0, 120_000, waitsJobs);

    // The program now finishes; lifting the stop lets Kueue admit the same Job again.
    await behave({ [jobName]: exported });
    await cluster.admin.mergePatch(`${KUEUE_API}/clusterqueues/${clusterQueue}`, { spec: { stopPolicy: "None" } });
    const done = await cluster.untilPhase("RoiDetectorTraining", "drain", "Succeeded", { timeoutMs: 180_000 });
    const [resumed, ...others] = await drainJobs();
    expect(others).toEqual([]);
    expect(resumed?.metadata.uid).toBe(admitted.metadata.uid);
    expect(resumed?.spec?.suspend).toBe(false);
    expect(done.status?.stages?.[0]).toMatchObject({ phase: "Succeeded", jobName, attempts: 0 });
    expect(done.status?.stages?.[0]?.requestDigest).toBe(queued.status?.stages?.[0]?.requestDigest);
    expect(condition(done, "Failed")).toBeUndefined();
  });
  it("spec.suspend of a resource whose stage Job Kueue admitted holds it (Workload deactivated, Job suspended, no pod); resuming runs that Job to Succeeded", async () => {
    const jobName = "hold-roidet-export-onnx";
    await behave({ [jobName]: { hold: true } });
    const holdJobs = async () => (await cluster.jobs()).filter((j) => j.metadata.name === jobName);
    await cluster.create("RoiDetectorTraining", "hold", { source: "Trained", checkpoint: "assets/d.pth" });
    const admitted = await waitFor(
      "the hold Job admitted and running",
      async () => (await holdJobs()).find(running),
      180_000,
      holdJobs,
    );
    const phaseAt = (phase: string, generation: number) =>
      cluster.untilPhase("RoiDetectorTraining", "hold", phase, { generation, timeoutMs: 180_000 });

    await cluster.patch("RoiDetectorTraining", "hold", { spec: { suspend: true } });
    const suspended = await phaseAt("Suspended", 2);
    expect(condition(suspended, "Suspended")?.message).toBe(
      "spec.suspend is true: stage export-onnx is suspended and no stage starts until it is false (0/1 done)",
    );
    const stopped = async () => {
      const [job] = await holdJobs();
      const pods = await cluster.activePods(admitted.metadata.uid);
      return job?.spec?.suspend === true && (job.status?.active ?? 0) === 0 && pods.length === 0 ? job : undefined;
    };
    const held = await waitFor("the Job suspended with no active pod", stopped, 180_000, holdJobs);
    expect(held.metadata.uid).toBe(admitted.metadata.uid);
    expect(held.metadata.annotations?.[SUSPENDED_MARK]).toBe("true");
    const workload = await waitFor("the Workload deactivated and evicted", async () => {
      const w = await workloadOf(held);
      return w?.spec?.active === false && isTrue(w, "Evicted") ? w : undefined;
    });
    expect(workload.status?.conditions?.find((c) => c.type === "Evicted")?.reason).toBe("Deactivated");
    // Kueue does not start it again: a while later it is still the one Job, suspended, no pod.
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await stopped())?.metadata.uid).toBe(admitted.metadata.uid);
    expect((await holdJobs()).length).toBe(1);
    expect((await cluster.get("RoiDetectorTraining", "hold")).status?.phase).toBe("Suspended");

    await behave({ [jobName]: exported });
    await cluster.patch("RoiDetectorTraining", "hold", { spec: { suspend: false } });
    const done = await phaseAt("Succeeded", 3);
    const [resumed, ...others] = await holdJobs();
    expect(others).toEqual([]);
    expect(resumed?.metadata.uid).toBe(admitted.metadata.uid);
    expect(resumed?.spec?.suspend).toBe(false);
    expect(resumed?.metadata.annotations?.[SUSPENDED_MARK]).toBeUndefined();
    expect((await workloadOf(resumed as V1Job))?.spec).toMatchObject({ active: true });
    expect(done.status?.stages?.[0]).toMatchObject({ phase: "Succeeded", jobName, attempts: 0 });
    expect(condition(done, "Failed")).toBeUndefined();
  });
});
