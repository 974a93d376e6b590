import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The operator's Prometheus metrics, in one registry served on /metrics. */
export function createOperatorMetrics() {
  const registry = new Registry();
  const reconcileTotal = new Counter({
    name: "mammoflow_reconcile_total",
    help: "Reconciles by kind and result (success, error).",
    labelNames: ["kind", "result"] as const,
    registers: [registry],
  });
  const reconcileErrors = new Counter({
    name: "mammoflow_reconcile_errors_total",
    help: "Reconciles that failed and were retried with backoff.",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const reconcileDuration = new Histogram({
    name: "mammoflow_reconcile_duration_seconds",
    help: "Time one reconcile took.",
    labelNames: ["kind"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const queueDepth = new Gauge({
    name: "mammoflow_workqueue_depth",
    help: "Keys waiting in a controller's work queue.",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const stageDuration = new Histogram({
    name: "mammoflow_stage_duration_seconds",
    help: "Wall time of finished stages, from Job start to completion.",
    labelNames: ["stage", "outcome"] as const,
    buckets: [1, 10, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 72 * 3600],
    registers: [registry],
  });
  const apiRequests = new Gauge({
    name: "mammoflow_api_requests",
    help: "Requests the operator sent to the API server, by verb (collected on scrape).",
    labelNames: ["verb"] as const,
    registers: [registry],
  });
  const leader = new Gauge({
    name: "mammoflow_leader",
    help: "1 while this replica leads, else 0.",
    registers: [registry],
  });
  return {
    registry,
    reconcileTotal,
    reconcileErrors,
    reconcileDuration,
    queueDepth,
    stageDuration,
    apiRequests,
    leader,
  };
}

export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;
