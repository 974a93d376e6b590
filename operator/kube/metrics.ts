import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { QueueObserver } from "./workqueue.ts";

/**
 * The operator's Prometheus metrics, in one registry served on /metrics. Controller and work
 * queue metrics carry controller-runtime's names and labels (`controller`, and `name` for the
 * queue), so dashboards and alerts written for Go operators work unchanged; process metrics are
 * prom-client's defaults (process_resident_memory_bytes, …); what is ours is prefixed mammoflow_.
 */
export function createOperatorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const reconcileTotal = new Counter({
    name: "controller_runtime_reconcile_total",
    help: "Total number of reconciliations per controller (result: success, error, requeue_after).",
    labelNames: ["controller", "result"] as const,
    registers: [registry],
  });
  const reconcileErrors = new Counter({
    name: "controller_runtime_reconcile_errors_total",
    help: "Total number of reconciliation errors per controller.",
    labelNames: ["controller"] as const,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: "rest_client_request_duration_seconds",
    help: "Request latency to the API server by verb, from the call to the answer (client-go's name).",
    labelNames: ["verb"] as const,
    buckets: [0.005, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [registry],
  });
  const reconcileTime = new Histogram({
    name: "controller_runtime_reconcile_time_seconds",
    help: "Length of time per reconciliation per controller (the reconcile itself, not its queue wait).",
    labelNames: ["controller"] as const,
    buckets: [
      0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75,
      2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
    ],
    registers: [registry],
  });
  const maxConcurrentReconciles = new Gauge({
    name: "controller_runtime_max_concurrent_reconciles",
    help: "Maximum number of concurrent reconciles per controller.",
    labelNames: ["controller"] as const,
    registers: [registry],
  });
  const activeWorkers = new Gauge({
    name: "controller_runtime_active_workers",
    help: "Number of currently used workers per controller.",
    labelNames: ["controller"] as const,
    registers: [registry],
  });
  const queue = workQueueMetrics(registry);
  const stageDuration = new Histogram({
    name: "mammoflow_stage_duration_seconds",
    help: "Wall time of finished stages, from Job start to completion.",
    labelNames: ["stage", "outcome"] as const,
    buckets: [1, 10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600],
    registers: [registry],
  });
  const apiRequests = new Gauge({
    name: "mammoflow_api_requests",
    help: "Requests the operator sent to the API server, by verb and resource (collected on scrape).",
    labelNames: ["verb", "resource"] as const,
    registers: [registry],
  });
  const resources = new Gauge({
    name: "mammoflow_resources",
    help: "Resources of each kind in each phase, as the operator's caches hold them (collected on scrape).",
    labelNames: ["kind", "phase"] as const,
    registers: [registry],
  });
  const leader = new Gauge({
    name: "leader_election_master_status",
    help: "1 while this replica leads, else 0 (client-go's name).",
    labelNames: ["name"] as const,
    registers: [registry],
  });
  return {
    registry,
    reconcileTotal,
    reconcileErrors,
    reconcileTime,
    requestDuration,
    maxConcurrentReconciles,
    activeWorkers,
    queue,
    stageDuration,
    apiRequests,
    resources,
    leader,
  };
}

export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;

/**
 * Durations from 10 ns to 1000 s: client-go's decades (its buckets for queue wait and work time)
 * with 2.5 and 5 between them from 1 ms up, where an operator's waits lie; with decades alone a
 * p50 of 12 s and one of 95 s both read "100 s".
 */
export const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i).flatMap((decade) =>
  (decade < 1e-3 ? [decade] : [decade, 2.5 * decade, 5 * decade])
    .filter((b) => b <= 1000)
    .map((b) => Number(b.toPrecision(2))),
);

/** client-go's workqueue metrics, labelled as controller-runtime labels them. */
function workQueueMetrics(registry: Registry) {
  const labelNames = ["name", "controller"] as const;
  const depth = new Gauge({
    name: "workqueue_depth",
    help: "Current depth of workqueue.",
    labelNames,
    registers: [registry],
  });
  const adds = new Counter({
    name: "workqueue_adds_total",
    help: "Total number of adds handled by workqueue.",
    labelNames,
    registers: [registry],
  });
  const queueDuration = new Histogram({
    name: "workqueue_queue_duration_seconds",
    help: "How long in seconds an item stays in workqueue before being requested.",
    labelNames,
    buckets: QUEUE_BUCKETS,
    registers: [registry],
  });
  const workDuration = new Histogram({
    name: "workqueue_work_duration_seconds",
    help: "How long in seconds processing an item from workqueue takes.",
    labelNames,
    buckets: QUEUE_BUCKETS,
    registers: [registry],
  });
  const retries = new Counter({
    name: "workqueue_retries_total",
    help: "Total number of retries handled by workqueue.",
    labelNames,
    registers: [registry],
  });
  const unfinished = new Gauge({
    name: "workqueue_unfinished_work_seconds",
    help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration.",
    labelNames,
    registers: [registry],
  });
  const longestRunning = new Gauge({
    name: "workqueue_longest_running_processor_seconds",
    help: "How many seconds has the longest running processor for workqueue been running.",
    labelNames,
    registers: [registry],
  });
  return {
    /** The observer for one controller's queue. */
    observer(controller: string): QueueObserver {
      const labels = { name: controller, controller };
      return {
        depth: (n) => depth.set(labels, n),
        added: () => adds.inc(labels),
        waited: (seconds) => queueDuration.observe(labels, seconds),
        worked: (seconds) => workDuration.observe(labels, seconds),
        retried: () => retries.inc(labels),
      };
    },
    /** Sets the in-progress gauges of one queue from the ages of its keys in progress. */
    inProgress(controller: string, ages: number[]): void {
      const labels = { name: controller, controller };
      unfinished.set(
        labels,
        ages.reduce((sum, age) => sum + age, 0),
      );
      longestRunning.set(labels, ages.length > 0 ? Math.max(...ages) : 0);
    },
  };
}

/** Objects per `status.phase` (those without a status yet count as "None"), for a phase gauge. */
export function countByPhase(objects: readonly { status?: unknown }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const object of objects) {
    const phase = (object.status as { phase?: unknown } | undefined)?.phase;
    const key = typeof phase === "string" && phase !== "" ? phase : "None";
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
