// npm run bench:makespan [-- SECONDS_PER_HOUR]: a FullReproduce Reproduction on a real control
// plane (kube-apiserver, kube-controller-manager, kube-scheduler) whose pods the node simulator
// holds Running for the seed's duration of their stage, scaled (default 1 h → 1 s), on 4
// simulated A100 GPUs (2 nodes × 2) and one 96-core CPU node. Prints the durations table with
// its sources, a Gantt-like table per Job, the makespan from the Reproduction's creation to
// Succeeded against the seed's serial sum (every stage one after another on one A100; goal
// ≤ 30 %), and the critical path: which chain of Jobs, held and waiting, made the makespan.
// Each Job also costs about one real second that does not scale (the Job controller batches pod
// events for 1 s; nodesim's pod times are whole seconds): at 1 s per hour that second reads as an
// hour for each Job of the critical path, at 10 s per hour as 6 minutes, so the goal is read at 10
// (`npm run bench:makespan -- 10`, about 10 minutes). A benchmark, not a test.
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { KubeClient, KubeObject } from "../../../operator/kube/client.ts";
import { Informer } from "../../../operator/kube/informer.ts";
import { createLogger } from "../../../operator/log/logger.ts";
import { GPUS_PER_NODE, SIMULATED_GPU_NODES, startControlPlane } from "../harness/control-plane.ts";
import {
  createNamespace,
  createResource,
  getResource,
  STAGE_ARTIFACTS,
  setBehaviour,
  stageMessage,
} from "../support/cluster.ts";
import { type OperatorProcess, startOperatorProcess } from "../support/operator-process.ts";

const SECONDS_PER_HOUR = Number(process.argv[2] ?? 1);
const DATASET_SHARDS = 16; // crds/samples/reproduction-full.yaml
const PREDICT_SHARDS = 4; // crds/samples/submission.yaml

interface StageDuration {
  /** The Job (Reproduction "r"'s child, its kind's short name, the stage id). */
  job: string;
  stage: string;
  /** The whole stage on the seed's hardware (one A100 40 GB, 8 CPU workers), all shards together. */
  hours: number;
  shards: number;
  /** Jobs that must finish before this one starts (from the operator's plan, full-reproduce.test.ts). */
  after: string[];
  source: string;
}

const FOLD_HOURS = 48; // seed README: "around 2 days for each fold", "8 days" for the four
/** Folds 0 and 1 train in two runs of 24+1 and 16+1 epochs (pipeline-spec §5.6): the 2 days split by epochs. */
const stage1Hours = (FOLD_HOURS * 25) / 42;
const FOLD_SOURCE = 'seed README: "around 2 days for each fold" on one A100';
const SPLIT_SOURCE = `${FOLD_SOURCE}, split by epochs (pipeline-spec §5.6: stage 1 25, stage 2 17 of 42)`;

const DURATIONS: StageDuration[] = [
  {
    job: "r-detector-roidet-roi-dataset",
    stage: "roi-dataset",
    hours: 0.1,
    shards: 1,
    after: [],
    source: "estimate (seed gives none): 571 box labels to COCO, 571 PNGs re-encoded, minutes",
  },
  {
    job: "r-detector-roidet-train-detector",
    stage: "train-detector",
    hours: 2,
    shards: 1,
    after: ["r-detector-roidet-roi-dataset"],
    source: "estimate (seed gives none): YOLOX-nano 416, 400 epochs of 9 batches of 64 + eval on 50 images",
  },
  {
    job: "r-detector-roidet-export-onnx",
    stage: "export-onnx",
    hours: 0.05,
    shards: 1,
    after: ["r-detector-roidet-train-detector"],
    source: "estimate (seed gives none): one export of a 0.9 M-parameter model",
  },
  {
    job: "r-detector-roidet-build-engine",
    stage: "build-engine",
    hours: 0.1,
    shards: 1,
    after: ["r-detector-roidet-export-onnx"],
    source: "estimate: seed's trt.py for YOLOX-nano at batch 1; the seed's ~1 h is for 4 ConvNeXt-small",
  },
  {
    job: "r-dataset-clsdata-prepare-dataset",
    stage: "prepare-dataset",
    hours: 6.2,
    shards: DATASET_SHARDS,
    after: ["r-detector-roidet-build-engine"],
    source: "estimate (seed gives none): 89,047 images (docs/seed-pipeline.md datasets) at ~4 images/s, 8 workers",
  },
  {
    job: "r-dataset-clsdata-cv-split",
    stage: "cv-split",
    hours: 0.02,
    shards: 1,
    after: ["r-dataset-clsdata-prepare-dataset"],
    source: "estimate: one CSV of 54,706 rows split by patient",
  },
  ...[0, 1].flatMap((fold) => [
    {
      job: `r-fold-${fold}-fold-train-fold-1`,
      stage: "train-fold",
      hours: stage1Hours,
      shards: 1,
      after: ["r-dataset-clsdata-cv-split"],
      source: SPLIT_SOURCE,
    },
    {
      job: `r-fold-${fold}-fold-train-fold-2`,
      stage: "train-fold",
      hours: FOLD_HOURS - stage1Hours,
      shards: 1,
      after: [`r-fold-${fold}-fold-train-fold-1`],
      source: SPLIT_SOURCE,
    },
  ]),
  ...[2, 3].map((fold) => ({
    job: `r-fold-${fold}-fold-train-fold-1`,
    stage: "train-fold",
    hours: FOLD_HOURS,
    shards: 1,
    after: ["r-dataset-clsdata-cv-split"],
    source: FOLD_SOURCE,
  })),
  {
    job: "r-engine-engine-select-checkpoints",
    stage: "select-checkpoints",
    hours: 0.05,
    shards: 1,
    after: [
      "r-fold-0-fold-train-fold-2",
      "r-fold-1-fold-train-fold-2",
      "r-fold-2-fold-train-fold-1",
      "r-fold-3-fold-train-fold-1",
    ],
    source: "estimate: reads the candidate epochs' validation CSVs, threshold grid of 100",
  },
  {
    job: "r-engine-engine-export-onnx",
    stage: "export-onnx",
    hours: 0.1,
    shards: 1,
    after: ["r-engine-engine-select-checkpoints"],
    source: "estimate (seed gives none): four ConvNeXt-small exports",
  },
  {
    job: "r-engine-engine-build-engine",
    stage: "build-engine",
    hours: 1,
    shards: 1,
    after: ["r-engine-engine-export-onnx"],
    source: 'seed README: "about 1 hour for A100" (4-fold TensorRT engine)',
  },
  {
    job: "r-submission-subm-predict",
    stage: "predict",
    hours: 1,
    shards: PREDICT_SHARDS,
    after: ["r-engine-engine-build-engine", "r-detector-roidet-build-engine"],
    source: "estimate (seed gives no A100 figure; its Kaggle P100 run fits the 9 h limit)",
  },
  {
    job: "r-submission-subm-aggregate",
    stage: "aggregate",
    hours: 0.01,
    shards: 1,
    after: ["r-submission-subm-predict"],
    source: "estimate: averaging one CSV per breast",
  },
];

/** Seconds each pod of a Job is held: its share of the stage, scaled. */
const podSeconds = (d: StageDuration) => (d.hours / d.shards) * SECONDS_PER_HOUR;

interface JobTimes {
  created?: number;
  firstRunning?: number;
  done?: number;
}

/** When each Job was created and completed and its first pod ran, from watches (no polling). */
function recordJobTimes(admin: KubeClient, ns: string, signal: AbortSignal): Map<string, JobTimes> {
  const times = new Map<string, JobTimes>();
  const of = (job: string) => {
    const t = times.get(job) ?? {};
    times.set(job, t);
    return t;
  };
  const log = createLogger("silent");
  const jobs = new Informer<V1Job & KubeObject>(
    admin,
    { path: `/apis/batch/v1/namespaces/${ns}/jobs`, name: "jobs" },
    log,
  );
  jobs.onChange((job) => {
    const t = of(job.metadata.name);
    t.created ??= Date.now();
    if (job.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True")) t.done ??= Date.now();
  });
  const pods = new Informer<V1Pod & KubeObject>(admin, { path: `/api/v1/namespaces/${ns}/pods`, name: "pods" }, log);
  pods.onChange((pod) => {
    const job = pod.metadata.labels?.["batch.kubernetes.io/job-name"];
    if (job && pod.status?.phase === "Running") of(job).firstRunning ??= Date.now();
  });
  void jobs.run(signal);
  void pods.run(signal);
  return times;
}

const hours = (ms: number) => ms / 1000 / SECONDS_PER_HOUR;
const fmt = (h: number) => h.toFixed(2).padStart(7);

function printDurations() {
  process.stdout.write(`Stage durations (seed hardware, whole stage; held ${SECONDS_PER_HOUR} s per hour):\n`);
  process.stdout.write(`${"job".padEnd(36)} ${"hours".padStart(7)} shards  source\n`);
  for (const d of DURATIONS)
    process.stdout.write(`${d.job.padEnd(36)} ${fmt(d.hours)} ${String(d.shards).padStart(6)}  ${d.source}\n`);
}

/** Walks back from the last Job: each step's predecessor is the dependency that finished last. */
function criticalPath(times: Map<string, JobTimes>): string[] {
  const byJob = new Map(DURATIONS.map((d) => [d.job, d]));
  const chain: string[] = [];
  let current: string | undefined = "r-submission-subm-aggregate";
  while (current) {
    chain.unshift(current);
    const after: string[] = byJob.get(current)?.after ?? [];
    current = after.reduce<string | undefined>(
      (latest, job) => ((times.get(job)?.done ?? 0) > (latest ? (times.get(latest)?.done ?? 0) : -1) ? job : latest),
      undefined,
    );
  }
  return chain;
}

printDurations();
const plane = await startControlPlane({ withNodes: true });
// Aborted on every exit, so an error ends the process instead of leaving the watches retrying.
const stopWatching = new AbortController();
let operator: OperatorProcess | undefined;
try {
  const admin = plane.admin;
  const ns = await createNamespace(admin, "makespan");
  await setBehaviour(
    admin,
    ns,
    Object.fromEntries(
      DURATIONS.map((d) => [
        d.job,
        {
          seconds: podSeconds(d),
          message: stageMessage(d.stage, STAGE_ARTIFACTS[d.stage], d.stage === "aggregate" ? { pF1: 0.5 } : {}),
        },
      ]),
    ),
  );
  operator = startOperatorProcess({ kubeconfig: plane.kubeconfig, namespace: ns, config: { logLevel: "info" } });
  for (let i = 0; i < 600 && !operator.logs().includes('"controllers started"'); i++)
    await new Promise((r) => setTimeout(r, 100));
  const times = recordJobTimes(admin, ns, stopWatching.signal);
  await new Promise((r) => setTimeout(r, 1000)); // the watches' initial lists

  const created = Date.now();
  await createResource(admin, ns, "Reproduction", "r", {
    mode: "FullReproduce",
    dataset: { shards: DATASET_SHARDS },
    submission: { runtime: { shards: PREDICT_SHARDS } },
  });
  const serialHours = DURATIONS.reduce((sum, d) => sum + d.hours, 0);
  const deadline = created + 3 * serialHours * SECONDS_PER_HOUR * 1000 + 300_000;
  let phase: string | undefined;
  while (Date.now() < deadline) {
    phase = (await getResource(admin, ns, "Reproduction", "r")).status?.phase;
    if (phase === "Succeeded" || phase === "Failed") break;
    // A stall shows: the Reproduction's phase and the Jobs seen, every 10 s, on stderr.
    if ((Date.now() - created) % 10_000 < 100) process.stderr.write(`${phase ?? "-"}, ${times.size} Jobs\n`);
    const unknown = [...times.keys()].filter((job) => !DURATIONS.some((d) => d.job === job));
    // Without a behaviour its pods would run forever: the table must name every Job.
    if (unknown.length > 0) throw new Error(`Jobs without a duration in the table: ${unknown.join(", ")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const finished = Date.now();
  stopWatching.abort();
  if (phase !== "Succeeded")
    throw new Error(`the Reproduction ended ${phase ?? "without a phase"}:\n${operator.logs().slice(-4000)}`);

  const at = (t: number | undefined) => (t === undefined ? "      -" : fmt(hours(t - created)));
  process.stdout.write(
    `\nJobs (hours after the Reproduction's creation, scaled back; ${GPUS_PER_NODE * SIMULATED_GPU_NODES.length} A100s):\n`,
  );
  process.stdout.write(`${"job".padEnd(36)} created running    done   held\n`);
  const rows = [...times.entries()].sort(([, a], [, b]) => (a.created ?? 0) - (b.created ?? 0));
  for (const [job, t] of rows) {
    const held = t.firstRunning !== undefined && t.done !== undefined ? fmt(hours(t.done - t.firstRunning)) : "      -";
    process.stdout.write(`${job.padEnd(36)} ${at(t.created)} ${at(t.firstRunning)} ${at(t.done)} ${held}\n`);
  }

  const makespanHours = hours(finished - created);
  process.stdout.write(
    `\nMakespan ${makespanHours.toFixed(2)} h (${((finished - created) / 1000).toFixed(1)} s) against the seed's serial sum ${serialHours.toFixed(2)} h: ${((100 * makespanHours) / serialHours).toFixed(1)} % (goal ≤ 30 %)\n`,
  );
  const chain = criticalPath(times);
  process.stdout.write(
    "\nCritical path (waiting: from the previous Job's end, or the creation, to this Job's first pod running):\n",
  );
  let previousEnd = created;
  let heldSum = 0;
  let waitSum = 0;
  let ownSum = 0;
  for (const job of chain) {
    const own = podSeconds(DURATIONS.find((d) => d.job === job) as StageDuration) / SECONDS_PER_HOUR;
    ownSum += own;
    const t = times.get(job) ?? {};
    const wait = (t.firstRunning ?? previousEnd) - previousEnd;
    const held = (t.done ?? previousEnd) - (t.firstRunning ?? previousEnd);
    waitSum += wait;
    heldSum += held;
    process.stdout.write(
      `${job.padEnd(36)} waiting ${fmt(hours(wait))} h  held ${fmt(hours(held))} h (a pod's share ${fmt(own)} h)\n`,
    );
    previousEnd = t.done ?? previousEnd;
  }
  const tail = finished - previousEnd;
  process.stdout.write(
    `held ${hours(heldSum).toFixed(2)} h + waiting ${hours(waitSum).toFixed(2)} h + last Job to Succeeded ${hours(tail).toFixed(2)} h` +
      ` (waits are ${((waitSum + tail) / 1000).toFixed(1)} real seconds of operator, Job controller, scheduler and nodesim steps;` +
      ` on real hours they vanish: held alone is ${((100 * hours(heldSum)) / serialHours).toFixed(1)} % of the serial sum)\n`,
  );
  // Held includes what follows a pod's end until its Job is Complete (the Job controller batches
  // pod events for 1 s) and, for shards beyond one node's room, further waves.
  process.stdout.write(
    `the path's own hours (a pod's share of each stage): ${ownSum.toFixed(2)} h = ${((100 * ownSum) / serialHours).toFixed(1)} % of the serial sum\n`,
  );
} catch (error) {
  process.stderr.write(`bench:makespan failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
} finally {
  stopWatching.abort();
  // A running operator child would keep this process alive.
  await operator?.stop();
  await plane.stop();
}
