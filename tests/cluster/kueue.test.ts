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
import type { KubeClient, KubeObject } from "../../operator/kube/client.ts";
import { type Kueue, startKueue } from "./harness/kueue.ts";
import {
  adminClient,
  type Behaviour,
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
  let admin: KubeClient;
  let kueue: Kueue | undefined;
  let ns: string;
  let clusterQueue: string;
  let flavor: string;
  let operator: OperatorProcess | undefined;
  // The whole nodesim ConfigMap: applying a part would drop the rest.
  const behaviours: Record<string, Behaviour> = {
    "export-onnx": exported,
    "prepare-dataset": { message: stageMessage("prepare-dataset", ["crops.csv"]) },
    "cv-split": { message: stageMessage("cv-split", ["folds.csv"]) },
    "train-fold": { hold: true },
  };
  const behave = (more: Record<string, Behaviour>) => setBehaviour(admin, ns, Object.assign(behaviours, more));
  const stageJobs = async (stage: string) =>
    (await listJobs(admin, ns)).filter((j) => j.metadata.labels?.[STAGE_LABEL] === stage);
  const running = (job: V1Job) => job.spec?.suspend === false && (job.status?.active ?? 0) > 0;
  const workloadOf = async (job: V1Job) =>
    (await admin.list<Workload>(`${KUEUE_API}/namespaces/${ns}/workloads`)).items.find((w) =>
      w.metadata.ownerReferences?.some((o) => o.uid === job.metadata?.uid),
    );
  const isTrue = (w: Workload | undefined, type: string) =>
    w?.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;
  const clusterQueueStatus = async () =>
    (await admin.get<ClusterQueue>(`${KUEUE_API}/clusterqueues/${clusterQueue}`)).status;

  beforeAll(async () => {
    admin = adminClient();
    // A cold Kueue build (about 5 min on 2 cores, more on a loaded machine) happens here when
    // the background preload has not made it.
    kueue = await startKueue(admin, kubeconfigPath());
    ns = await createNamespace(admin, "kueue");
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
    await behave({});
    operator = startOperatorProcess({
      kubeconfig: kubeconfigPath(),
      namespace: ns,
      config: { kueue: { queueName: LOCAL_QUEUE } },
    });
  }, 30 * 60_000);

  afterAll(async () => {
    await operator?.stop();
    // While Kueue runs, so that it lifts its finalizers from the Workloads and queues.
    if (ns) await deleteNamespace(admin, ns);
    if (clusterQueue) await admin.delete(`${KUEUE_API}/clusterqueues/${clusterQueue}`).catch(() => undefined);
    if (flavor) await admin.delete(`${KUEUE_API}/resourceflavors/${flavor}`).catch(() => undefined);
    await kueue?.stop();
  }, 180_000);

  it("admits two of four folds' GPU Jobs, shows the other two Queued, and admits those same Jobs when GPUs free up", async () => {
    await createResource(admin, ns, "RoiDetectorTraining", "det", { source: "Trained", checkpoint: "assets/d.pth" });
    await createResource(admin, ns, "ClassificationDataset", "data", {
      detector: { name: "det" },
      shards: 1,
      cvSplit: { folds: 4 },
    });
    for (const fold of [0, 1, 2, 3]) {
      await createResource(admin, ns, "ClassifierFold", `f${fold}`, { dataset: { name: "data" }, fold, numFolds: 4 });
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
      listResources(admin, ns, "ClassifierFold").then((list) =>
        Object.fromEntries(list.map((f) => [f.metadata.name, f.status?.phase])),
      );
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
      const fold = await getResource(admin, ns, "ClassifierFold", foldOf(job));
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
      const fold = await getResource(admin, ns, "ClassifierFold", foldOf(job));
      expect(condition(fold, "Ready")?.reason).toBe("StagesRunning");
      expect(isTrue(await workloadOf(job), "Admitted")).toBe(true);
    }
    const trainPods = async () =>
      (await listPods(admin, ns)).filter(
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
      (await listResources(admin, ns, "ClassifierFold")).map((f) => [f.metadata.name, f.status?.stages?.length ?? 0]),
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
    for (const fold of await listResources(admin, ns, "ClassifierFold")) {
      expect(fold.status?.stages?.map((s) => [s.phase, s.attempts])).toEqual(
        Array.from({ length: runs[fold.metadata.name] ?? 0 }, () => ["Succeeded", 0]),
      );
      expect(condition(fold, "Failed")).toBeUndefined();
    }
  }, 900_000);

  it("a running stage Kueue evicts (ClusterQueue stopPolicy HoldAndDrain) is Queued, its Job suspended in place; lifting the stop resumes that Job to Succeeded", async () => {
    const jobName = "drain-roidet-export-onnx";
    await behave({ [jobName]: { hold: true } });
    const drainJobs = async () => (await listJobs(admin, ns)).filter((j) => j.metadata.name === jobName);
    await createResource(admin, ns, "RoiDetectorTraining", "drain", { source: "Trained", checkpoint: "assets/d.pth" });
    const admitted = await waitFor(
      "the drain Job admitted and running",
      async () => (await drainJobs()).find(running),
      180_000,
      drainJobs,
    );
    await waitFor("RoiDetectorTraining/drain Running", async () => {
      const r = await getResource(admin, ns, "RoiDetectorTraining", "drain");
      return r.status?.phase === "Running" && condition(r, "Ready")?.reason === "StagesRunning";
    });

    await admin.mergePatch(`${KUEUE_API}/clusterqueues/${clusterQueue}`, { spec: { stopPolicy: "HoldAndDrain" } });
    const activePods = async () =>
      (await listPods(admin, ns)).filter(
        (p) =>
          p.metadata.ownerReferences?.some((o) => o.uid === admitted.metadata.uid) &&
          !p.metadata.deletionTimestamp &&
          p.status?.phase !== "Failed" &&
          p.status?.phase !== "Succeeded",
      );
    const evicted = await waitFor(
      "Kueue to suspend the Job, with no active pod",
      async () => {
        const [job] = await drainJobs();
        const stopped = job?.spec?.suspend === true && (job.status?.active ?? 0) === 0;
        return stopped && (await activePods()).length === 0 ? job : undefined;
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

    const queued = await waitFor(
      "RoiDetectorTraining/drain Queued",
      async () => {
        const r = await getResource(admin, ns, "RoiDetectorTraining", "drain");
        return r.status?.phase === "Queued" ? r : undefined;
      },
      120_000,
      async () => (await getResource(admin, ns, "RoiDetectorTraining", "drain")).status,
    );
    expect(condition(queued, "Ready")).toMatchObject({
      status: "False",
      reason: "Queued",
      message: `running stage export-onnx (0/1 done); stage export-onnx waits: Queued: Job ${jobName} waits in Kueue queue ${LOCAL_QUEUE} for admission`,
    });
    expect(condition(queued, "Failed")).toBeUndefined();
    expect(condition(queued, "Suspended")).toBeUndefined();
    expect(queued.status?.stages?.[0]).toMatchObject({ phase: "Running", jobName, attempts: 0 });
    const events = await admin.list<CoreV1Event>(`/api/v1/namespaces/${ns}/events`, {
      fieldSelector: "involvedObject.name=drain,reason=Queued",
    });
    expect(events.items.map((e) => e.type)).toContain("Normal");
    // The stop holds: a while later the Job is still the one, still suspended.
    await new Promise((r) => setTimeout(r, 5_000));
    expect((await drainJobs()).map((j) => [j.metadata.uid, j.spec?.suspend])).toEqual([[admitted.metadata.uid, true]]);

    // A Reproduction whose children's Jobs the stopped queue does not admit runs nothing: it is
    // Queued, naming them, not Running. Deleted before the stop is lifted, its Jobs never run.
    await createResource(admin, ns, "Reproduction", "waits", {});
    const waits = await waitFor(
      "Reproduction/waits Queued with both children named",
      async () => {
        const r = await getResource(admin, ns, "Reproduction", "waits");
        return r.status?.phase === "Queued" && condition(r, "Ready")?.message?.includes("EngineBuild") ? r : undefined;
      },
      120_000,
      async () => (await getResource(admin, ns, "Reproduction", "waits")).status,
    );
    expect(condition(waits, "Ready")).toMatchObject({
      status: "False",
      reason: "ChildrenQueued",
      message:
        "0/3 resources succeeded; nothing runs: RoiDetectorTraining/waits-detector, EngineBuild/waits-engine wait in a Kueue queue for admission",
    });
    await admin.delete(resourceUrl(ns, "Reproduction", "waits"), "Background");
    const waitsJobs = async () => (await listJobs(admin, ns)).filter((j) => j.metadata.name?.startsWith("waits-"));
    await waitFor("the Reproduction's Jobs deleted", async () => (await waitsJobs()).length === 0, 120_000, waitsJobs);

    // The program now finishes; lifting the stop lets Kueue admit the same Job again.
    await behave({ [jobName]: exported });
    await admin.mergePatch(`${KUEUE_API}/clusterqueues/${clusterQueue}`, { spec: { stopPolicy: "None" } });
    const done = await waitFor(
      "RoiDetectorTraining/drain Succeeded",
      async () => {
        const r = await getResource(admin, ns, "RoiDetectorTraining", "drain");
        return r.status?.phase === "Succeeded" ? r : undefined;
      },
      180_000,
      async () => (await getResource(admin, ns, "RoiDetectorTraining", "drain")).status,
    );
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
    const holdJobs = async () => (await listJobs(admin, ns)).filter((j) => j.metadata.name === jobName);
    await createResource(admin, ns, "RoiDetectorTraining", "hold", { source: "Trained", checkpoint: "assets/d.pth" });
    const admitted = await waitFor(
      "the hold Job admitted and running",
      async () => (await holdJobs()).find(running),
      180_000,
      holdJobs,
    );
    const phaseAt = (phase: string, generation: number) =>
      waitFor(
        `RoiDetectorTraining/hold ${phase} for generation ${generation}`,
        async () => {
          const r = await getResource(admin, ns, "RoiDetectorTraining", "hold");
          return r.status?.phase === phase && r.status.observedGeneration === generation ? r : undefined;
        },
        180_000,
        async () => (await getResource(admin, ns, "RoiDetectorTraining", "hold")).status,
      );

    await admin.mergePatch(resourceUrl(ns, "RoiDetectorTraining", "hold"), { spec: { suspend: true } });
    const suspended = await phaseAt("Suspended", 2);
    expect(condition(suspended, "Suspended")?.message).toBe(
      "spec.suspend is true: stage export-onnx is suspended and no stage starts until it is false (0/1 done)",
    );
    const stopped = async () => {
      const [job] = await holdJobs();
      const pods = (await listPods(admin, ns)).filter(
        (p) =>
          p.metadata.ownerReferences?.some((o) => o.uid === admitted.metadata.uid) &&
          !p.metadata.deletionTimestamp &&
          p.status?.phase !== "Failed" &&
          p.status?.phase !== "Succeeded",
      );
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
    expect((await getResource(admin, ns, "RoiDetectorTraining", "hold")).status?.phase).toBe("Suspended");

    await behave({ [jobName]: exported });
    await admin.mergePatch(resourceUrl(ns, "RoiDetectorTraining", "hold"), { spec: { suspend: false } });
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
