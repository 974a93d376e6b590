// npm run bench:operator [-- COUNT]: the operator against a real kube-apiserver + etcd with COUNT
// (default 1000) RoiDetectorTrainings, each with its stage Job and the Job's pod. Each resource
// goes through two state changes: created → Running (the operator creates its Job, which carries
// the stage's request, and writes status) and, once its stage ended, → Succeeded. No controller-manager or
// kubelet runs here, so the bench plays them (simulated-pods.ts): for every Job the operator
// creates, a pod owned by it goes Pending (container creating) → Running, with the Job's active
// and ready counts; after every pod runs, each pod ends Succeeded with the stage's result as its
// termination message and its Job is marked complete, at a steady BENCH_COMPLETIONS_PER_SECOND
// (default 20). Prints reconcile latency p50/p99 per change, the reconcile time of the creation
// burst and of the paced completions apart, API requests per state change (from the operator's own counters) and its peak memory
// (RSS), with the operator's caches holding every resource, Job and pod.
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { API_GROUP_VERSION } from "../../../operator/api/index.ts";
import { MammoflowConfig } from "../../../operator/config/schema.ts";
import type { KubeClient, KubeObject } from "../../../operator/kube/client.ts";
import { Informer } from "../../../operator/kube/informer.ts";
import { createLogger } from "../../../operator/log/logger.ts";
import { startControlPlane } from "../harness/control-plane.ts";
import { startOperatorProcess } from "../support/operator-process.ts";
import { SimulatedJobPods } from "./simulated-pods.ts";

const count = Number(process.argv[2] ?? 1000);
/** How many stages end per second in the second phase (BENCH_COMPLETIONS_PER_SECOND, default 20). */
const completionsPerSecond = Number(process.env.BENCH_COMPLETIONS_PER_SECOND ?? 20);
if (!(completionsPerSecond > 0))
  throw new Error(
    `BENCH_COMPLETIONS_PER_SECOND must be a positive number, not "${process.env.BENCH_COMPLETIONS_PER_SECOND}"`,
  );
const NS = "bench";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** The process's resident memory, or 0 once it has exited (the report then says why it ended). */
function rssMiB(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return 0;
  }
  const line = status.match(/VmRSS:\s+(\d+) kB/);
  return line ? Number(line[1]) / 1024 : 0;
}

/** How long a phase may take: 10 minutes, plus 0.2 s per resource (about 3× the rate measured at 1,000 on 2 cores). */
const phaseTimeoutMs = 600_000 + 200 * count;

const heapSnapshotDir = process.env.MAMMOFLOW_BENCH_HEAP_SNAPSHOT;
/** MAMMOFLOW_BENCH_CPU_PROFILE=DIR: the operator's CPU profile of the whole run (written as it exits), for finding where reconciles spend their time. */
const cpuProfileDir = process.env.MAMMOFLOW_BENCH_CPU_PROFILE;

/** A literal environment variable of the chart's operator container: the bench runs it as deployed. */
function chartEnv(name: string): string {
  const file = "charts/mammoflow/templates/deployment.yaml";
  const template = readFileSync(new URL(`../../../${file}`, import.meta.url), "utf8");
  const value = template.match(new RegExp(`- name: ${name}\\s+value: "([^"]*)"`))?.[1];
  if (!value) throw new Error(`${file}: the operator container has no ${name} value`);
  return value;
}

/** The V8 options the chart's Deployment gives the operator (NODE_OPTIONS). */
const chartNodeOptions = () => chartEnv("NODE_OPTIONS").split(" ");

/** The lease timings and resync the chart deploys: its values leave them at the schema's defaults. */
function chartLeaseAndResync() {
  const { leaseDurationSeconds, renewDeadlineSeconds, retryPeriodSeconds, resyncSeconds } = MammoflowConfig.parse(
    {},
  ).operator;
  return { leaseDurationSeconds, renewDeadlineSeconds, retryPeriodSeconds, resyncSeconds };
}

/** Signals the operator to write a heap snapshot and waits until the file is complete. */
async function heapSnapshot(pid: number, dir: string, metricsPort: number): Promise<void> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, "SIGUSR2");
  for (let i = 0; i < 1200; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const written = readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f));
    // Node writes the snapshot on its main thread: /metrics answers again once it is done.
    if (written) {
      await scrape(metricsPort);
      process.stderr.write(`heap snapshot: ${path.join(dir, written)}\n`);
      return;
    }
  }
  throw new Error(`no heap snapshot appeared in ${dir}`);
}

async function inBatches<T>(items: T[], size: number, run: (item: T) => Promise<unknown>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

const scrape = async (metricsPort: number) => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();

/** The operator's requests, by "verb resource" ("patch events", "apply jobs"), from its own counters. */
function operatorRequests(text: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^mammoflow_api_requests\{verb="([a-z]+)",resource="([^"]*)"\} (\d+)/gm))
    counts[`${m[1]} ${m[2]}`] = Number(m[3]);
  return counts;
}

const WRITE_VERBS = new Set(["apply", "patch", "post", "update", "put", "delete"]);

/** Requests sent between two scrapes, summed over the keys `which` accepts. */
function sent(
  before: Record<string, number>,
  after: Record<string, number>,
  which: (verb: string, resource: string) => boolean,
) {
  return Object.keys(after).reduce((sum, key) => {
    const [verb = "", resource = ""] = key.split(" ");
    return which(verb, resource) ? sum + (after[key] ?? 0) - (before[key] ?? 0) : sum;
  }, 0);
}

interface Bucket {
  le: number;
  count: number;
}

/** A Prometheus histogram's cumulative buckets for one label set. */
function histogramBuckets(text: string, metric: string, labels: string): Bucket[] {
  return [...text.matchAll(new RegExp(`^${metric}_bucket\\{le="([^"]+)",${labels}\\} (\\d+)`, "gm"))].map((m) => ({
    le: m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]),
    count: Number(m[2]),
  }));
}

/** The observations made between two scrapes: each bucket's count then less its count before. */
function bucketsBetween(before: Bucket[], after: Bucket[]): Bucket[] {
  return after.map((b) => ({ le: b.le, count: b.count - (before.find((e) => e.le === b.le)?.count ?? 0) }));
}

/**
 * A quantile of cumulative buckets as histogram_quantile computes it: linear within the bucket
 * that holds that share of observations (its lower bound when that is +Inf), in ms.
 */
function bucketQuantileMs(buckets: Bucket[], q: number): number {
  const total = buckets.at(-1)?.count ?? 0;
  const rank = q * total;
  const i = buckets.findIndex((b) => b.count >= rank);
  const bucket = buckets[i];
  if (!bucket || total === 0) return Number.NaN;
  const below = buckets[i - 1] ?? { le: 0, count: 0 };
  if (bucket.le === Number.POSITIVE_INFINITY) return below.le * 1000;
  const share = bucket.count === below.count ? 1 : (rank - below.count) / (bucket.count - below.count);
  return Math.round((below.le + (bucket.le - below.le) * share) * 1000);
}

/** A sample's value from the operator's /metrics (prom-client's process metrics), or NaN. */
function metricValue(text: string, sample: string): number {
  const escaped = sample.replace(/[{}"]/g, "\\$&");
  return Number(text.match(new RegExp(`^${escaped} ([0-9.e+-]+)`, "m"))?.[1] ?? Number.NaN);
}

/** V8's garbage collection time so far, in seconds, by kind (minor = scavenges, major = full). */
function gcSeconds(text: string): Record<string, number> {
  const seconds: Record<string, number> = {};
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_sum\{kind="([a-z]+)"\} ([0-9.e+-]+)/gm))
    seconds[m[1] ?? ""] = Number(Number(m[2]).toFixed(2));
  return seconds;
}

/** A histogram's _sum or _count for one label set, or 0 when the scrape has none (before any observation). */
function histogramTotal(text: string, metric: string, suffix: "sum" | "count", labels: string): number {
  return Number(text.match(new RegExp(`^${metric}_${suffix}\\{${labels}\\} ([0-9.e+-]+)`, "m"))?.[1] ?? 0);
}

/**
 * p50, p99 and mean (ms) of what a histogram observed between two scrapes of /metrics (`before`
 * "" for everything since the operator started), with how many observations that is.
 */
function histogramBetween(before: string, after: string, metric: string, labels: string) {
  const buckets = bucketsBetween(histogramBuckets(before, metric, labels), histogramBuckets(after, metric, labels));
  const count = histogramTotal(after, metric, "count", labels) - histogramTotal(before, metric, "count", labels);
  const sum = histogramTotal(after, metric, "sum", labels) - histogramTotal(before, metric, "sum", labels);
  return {
    p50: bucketQuantileMs(buckets, 0.5),
    p99: bucketQuantileMs(buckets, 0.99),
    mean: count > 0 ? Math.round((sum / count) * 1000) : Number.NaN,
    count,
  };
}

/** The labels of the benched controller's work queue metrics. */
const QUEUE_LABELS = 'name="RoiDetectorTraining",controller="RoiDetectorTraining"';

/**
 * The reconcile time (apart from the time a key waited in the queue, which the end-to-end
 * latencies include), the API latency its writes waited for (the operator's client, call to
 * answer: the part of the reconcile time that is the API server's) and the queue wait, between
 * two scrapes.
 */
function latenciesBetween(before: string, after: string) {
  const between = (metric: string, labels: string) => histogramBetween(before, after, metric, labels);
  return {
    reconcileTimeMs: between("controller_runtime_reconcile_time_seconds", 'controller="RoiDetectorTraining"'),
    apiLatencyMs: {
      post: between("rest_client_request_duration_seconds", 'verb="POST"'),
      patch: between("rest_client_request_duration_seconds", 'verb="PATCH"'),
    },
    queueWaitMs: between("workqueue_queue_duration_seconds", QUEUE_LABELS),
  };
}

/**
 * Runs `run` for each item, starting one every 1/perSecond s without waiting for the ones
 * before (independent stages end independently), and resolves when all have settled.
 */
async function paced<T>(items: readonly T[], perSecond: number, run: (item: T) => Promise<unknown>) {
  const start = Date.now();
  const pending: Promise<unknown>[] = [];
  for (const [i, item] of items.entries()) {
    const wait = start + (i * 1000) / perSecond - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(run(item));
  }
  await Promise.all(pending);
}

/** The operator's /metrics once its work queue has stayed empty for a second. */
async function queueDrained(metricsPort: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let emptySince = Number.POSITIVE_INFINITY;
  while (Date.now() < deadline) {
    const text = await scrape(metricsPort);
    const depth = metricValue(text, `workqueue_depth{${QUEUE_LABELS}}`);
    emptySince = depth === 0 ? Math.min(emptySince, Date.now()) : Number.POSITIVE_INFINITY;
    if (Date.now() - emptySince >= 1000) return text;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the operator's work queue did not drain");
}

/**
 * Records when each resource is first seen in `phase`, from a watch (an informer in this
 * process), so measuring adds no polling load to the API server.
 */
function phaseRecorder(admin: KubeClient, signal: AbortSignal) {
  const seen = new Map<string, Map<string, number>>();
  const informer = new Informer<KubeObject & { status?: { phase?: string } }>(
    admin,
    { path: `/apis/${API_GROUP_VERSION}/namespaces/${NS}/roidetectortrainings`, name: "bench" },
    createLogger("silent"),
  );
  informer.onChange((object) => {
    const phase = object.status?.phase;
    if (!phase) return;
    const times = seen.get(phase) ?? new Map<string, number>();
    seen.set(phase, times);
    if (!times.has(object.metadata.name)) times.set(object.metadata.name, Date.now());
  });
  void informer.run(signal);
  return {
    times: (phase: string) => seen.get(phase) ?? new Map<string, number>(),
    async waitFor(phase: string, names: string[], timeoutMs: number) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const times = seen.get(phase);
        if (times && names.every((n) => times.has(n))) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`only ${seen.get(phase)?.size ?? 0}/${names.length} resources reached ${phase}`);
    },
  };
}

const plane = await startControlPlane({ withNodes: false });
try {
  const admin = plane.admin;
  await admin.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
  // The operator inherits this process's environment: its malloc as the chart's Deployment sets it.
  process.env.MALLOC_ARENA_MAX = chartEnv("MALLOC_ARENA_MAX");
  const operator = startOperatorProcess({
    kubeconfig: plane.kubeconfig,
    namespace: NS,
    // The chart's lease timings and resync (the defaults), not the suite's quick 4/3/1 s ones: at
    // 10,000 resources a busy event loop must not cost the Lease the way it would in a test.
    // The input preflight is off, as in the cluster suite (support/operator-process.ts): it would
    // run a check-inputs Job before each resource's stage, whose pods the bench does not play.
    // startOperatorProcess puts the suite's quick timings first: they are named here to replace
    // them (until this was done, the bench ran with a 3 s renew deadline and a resync of every
    // resource each 30 s, and at 10,000 resources lost its Lease while the API server lagged).
    config: {
      logLevel: "info",
      operator: { metricsPort: 0, healthPort: 0, inputPreflight: false, ...chartLeaseAndResync() },
    },
    // The chart's V8 options; with MAMMOFLOW_BENCH_HEAP_SNAPSHOT=DIR, a heap snapshot of the
    // operator once every resource and pod runs (its caches at their fullest), written into DIR,
    // for finding where the memory goes.
    nodeArgs: [
      ...chartNodeOptions(),
      ...(heapSnapshotDir ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${heapSnapshotDir}`] : []),
      ...(cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfileDir}`] : []),
    ],
  });
  const metricsPort = await (async () => {
    for (let i = 0; i < 300; i++) {
      const line = operator
        .logs()
        .split("\n")
        .find((l) => l.includes('"operator started"'));
      if (line) return (JSON.parse(line) as { metrics: number }).metrics;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the operator did not start: ${operator.logs()}`);
  })();
  for (let i = 0; i < 300 && !operator.logs().includes('"controllers started"'); i++)
    await new Promise((r) => setTimeout(r, 100));
  let peakRss = rssMiB(operator.pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(operator.pid))), 200);
  process.stderr.write(`operator log: ${operator.logFile}\n`);
  const atStart = await scrape(metricsPort);
  const before = operatorRequests(atStart);

  const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
  const names = Array.from({ length: count }, (_, i) => `det-${i}`);
  const created = new Map<string, number>();
  const stopWatching = new AbortController();
  const phases = phaseRecorder(admin, stopWatching.signal);
  const stagePods = new SimulatedJobPods(admin, NS);
  stagePods.run(stopWatching.signal);
  const jobOf = (name: string) => `${name}-roidet-export-onnx`;
  // The operator's longest event-loop delay, from its lag monitor, which prom-client restarts at
  // each scrape: the progress lines' scrapes each see their own 30 s, and the largest is the
  // run's longest stall (a reconcile's awaited writes wait that long on top of the API server).
  let maxEventLoopLagMs = 0;
  let heap = { usedMiB: 0, totalMiB: 0, peakTotalMiB: 0 };
  const sampleOperator = async () => {
    const text = await scrape(metricsPort);
    maxEventLoopLagMs = Math.max(
      maxEventLoopLagMs,
      Math.round(metricValue(text, "nodejs_eventloop_lag_max_seconds") * 1000),
    );
    const mib = (sample: string) => Math.round(metricValue(text, sample) / 2 ** 20);
    const totalMiB = mib("nodejs_heap_size_total_bytes");
    heap = {
      usedMiB: mib("nodejs_heap_size_used_bytes"),
      totalMiB,
      peakTotalMiB: Math.max(heap.peakTotalMiB, totalMiB),
    };
    return text;
  };
  await sampleOperator();
  // A long run says how far it got (a run stopped early still tells its memory and pace).
  const progress = setInterval(async () => {
    const text = await sampleOperator().catch(() => "");
    const line = {
      seconds: Math.round((Date.now() - started) / 1000),
      running: phases.times("Running").size,
      podsRunning: stagePods.running.size,
      succeeded: phases.times("Succeeded").size,
      rssMiB: Math.round(rssMiB(operator.pid)),
      peakRssMiB: Math.round(peakRss),
      heapUsedMiB: heap.usedMiB,
      heapTotalMiB: heap.totalMiB,
      gcSeconds: gcSeconds(text),
      maxEventLoopLagMs,
      load: loadavg()[0]?.toFixed(1),
    };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  }, 30_000);
  progress.unref();
  const started = Date.now();
  await inBatches(names, 25, async (name) => {
    await admin.create(`/apis/${API_GROUP_VERSION}/namespaces/${NS}/roidetectortrainings`, {
      apiVersion: API_GROUP_VERSION,
      kind: "RoiDetectorTraining",
      metadata: { name, namespace: NS },
      spec: { source: "Trained", checkpoint: "assets/trained/yolox.pth" },
    });
    created.set(name, Date.now());
  });
  await phases.waitFor("Running", names, phaseTimeoutMs);
  const createPhaseSeconds = (Date.now() - started) / 1000;
  await stagePods.waitForRunning(names.map(jobOf), phaseTimeoutMs);
  const podsRunningSeconds = (Date.now() - started) / 1000;
  if (heapSnapshotDir) await heapSnapshot(operator.pid, heapSnapshotDir, metricsPort);

  // The creation burst ends here; the stages then end at a steady pace with every resource, Job
  // and pod in the operator's caches: the reconcile time of a cluster at 10,000 resources apart
  // from a burst that saturates the API server it shares two cores with.
  // Once the reconciles the burst queued (the pods' Running) are done, so the second phase
  // measures the completions alone.
  const atAllRunning = await queueDrained(metricsPort, phaseTimeoutMs);
  const completedAt = new Map<string, number>();
  await paced(names, completionsPerSecond, async (name) => {
    await stagePods.succeed(jobOf(name));
    completedAt.set(name, Date.now());
  });
  await phases.waitFor("Succeeded", names, phaseTimeoutMs);
  stopWatching.abort();
  clearInterval(sampler);
  clearInterval(progress);
  // A second snapshot once every resource succeeded: what the completions added to the caches.
  if (heapSnapshotDir) await heapSnapshot(operator.pid, heapSnapshotDir, metricsPort);
  const running = phases.times("Running");
  const succeeded = phases.times("Succeeded");
  const finalMetrics = await sampleOperator();
  const after = operatorRequests(finalMetrics);

  const toRunning = names.map((n) => (running.get(n) ?? 0) - (created.get(n) ?? 0));
  const toSucceeded = names.map((n) => (succeeded.get(n) ?? 0) - (completedAt.get(n) ?? 0));
  const writes = sent(before, after, (verb) => WRITE_VERBS.has(verb));
  const eventWrites = sent(before, after, (verb, resource) => WRITE_VERBS.has(verb) && resource === "events");
  const leaseWrites = sent(before, after, (verb, resource) => WRITE_VERBS.has(verb) && resource === "leases");
  const allRequests = sent(before, after, () => true);
  const stateChanges = 2 * count;
  const perChange = (n: number) => Number((n / stateChanges).toFixed(2));
  const report = {
    resources: count,
    // The API server and etcd share the machine's cores with the operator and this process.
    loadAverage: { atStart: loadAtStart, atEnd: loadavg().map((l) => Number(l.toFixed(2))) },
    createdToRunningSeconds: createPhaseSeconds,
    createdToPodsRunningSeconds: podsRunningSeconds,
    reconcileLatencyMs: {
      createdToRunning: { p50: percentile(toRunning, 50), p99: percentile(toRunning, 99) },
      jobCompleteToSucceeded: { p50: percentile(toSucceeded, 50), p99: percentile(toSucceeded, 99) },
    },
    // From the operator's own histograms: the whole run, the creation burst (every resource
    // created as fast as the API server takes it, until all run) and the paced stage ends.
    latencies: {
      wholeRun: latenciesBetween("", finalMetrics),
      creationBurst: latenciesBetween(atStart, atAllRunning),
      pacedCompletions: { perSecond: completionsPerSecond, ...latenciesBetween(atAllRunning, finalMetrics) },
    },
    apiRequests: Object.fromEntries(
      Object.keys(after)
        .map((key) => [key, (after[key] ?? 0) - (before[key] ?? 0)] as const)
        .filter(([, n]) => n > 0),
    ),
    apiRequestsPerStateChange: perChange(allRequests),
    // The Lease's renewals come with time (one per retry period while leading), not with state
    // changes: they are counted apart, below, and not in the writes per state change.
    writesPerStateChange: perChange(writes - leaseWrites),
    // Events (created, and patched when they repeat) are best effort and never awaited: without
    // them, what the reconciles themselves write.
    writesPerStateChangeWithoutEvents: perChange(writes - leaseWrites - eventWrites),
    leaseRenewals: { writes: leaseWrites, overSeconds: Math.round((Date.now() - started) / 1000) },
    operatorPeakRssMiB: Math.round(peakRss),
    // V8's heap at the 30 s samples (the RSS above is sampled every 200 ms), and the time its
    // collections took over the whole run: what a tighter heap limit would cost.
    operatorHeapMiB: { peakTotal: heap.peakTotalMiB, atEnd: { used: heap.usedMiB, total: heap.totalMiB } },
    operatorGcSeconds: gcSeconds(finalMetrics),
    operatorMaxEventLoopLagMs: maxEventLoopLagMs,
    operatorNodeOptions: chartNodeOptions().join(" "),
    operatorMallocArenaMax: process.env.MALLOC_ARENA_MAX,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  await operator.stop();
  if (cpuProfileDir) process.stderr.write(`cpu profile: ${cpuProfileDir}\n`);
} finally {
  await plane.stop();
}
