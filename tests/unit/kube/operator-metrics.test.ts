import { describe, expect, it } from "vitest";
import { Controller } from "../../../operator/kube/controller.ts";
import { countByPhase, createOperatorMetrics } from "../../../operator/kube/metrics.ts";
import { createLogger } from "../../../operator/log/logger.ts";

const silent = createLogger("silent");

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe("the operator's metrics", () => {
  it("carry controller-runtime's and client-go's names and labels, and process metrics", async () => {
    const metrics = createOperatorMetrics();
    let brokenRuns = 0;
    const outcomes = new Map<string, () => Promise<{ requeueAfterMs?: number } | undefined>>([
      ["ns/ok", async () => undefined],
      ["ns/later", async () => ({ requeueAfterMs: 60_000 })],
      [
        "ns/broken",
        async () => {
          brokenRuns += 1;
          if (brokenRuns === 1) throw new Error("boom");
          return undefined;
        },
      ],
    ]);
    const controller = new Controller(
      "ClassifierFold",
      (key) => (outcomes.get(key) as () => Promise<undefined>)(),
      metrics,
      silent,
    );
    controller.start(2);
    for (const key of outcomes.keys()) controller.enqueue(key);
    // The failed key comes back after its backoff and then succeeds.
    await until(() => brokenRuns === 2 && controller.queue.inProgressSeconds().length === 0);
    await controller.stop();
    const text = await metrics.registry.metrics();
    const line = (prefix: string) => text.split("\n").find((l) => l.startsWith(prefix));
    expect(line('controller_runtime_reconcile_total{controller="ClassifierFold",result="success"}')).toMatch(/ 2$/);
    expect(line('controller_runtime_reconcile_total{controller="ClassifierFold",result="requeue_after"}')).toMatch(
      / 1$/,
    );
    expect(line('controller_runtime_reconcile_total{controller="ClassifierFold",result="error"}')).toMatch(/ 1$/);
    expect(line('controller_runtime_reconcile_errors_total{controller="ClassifierFold"}')).toMatch(/ 1$/);
    expect(line('controller_runtime_reconcile_time_seconds_count{controller="ClassifierFold"}')).toMatch(/ 4$/);
    expect(line('controller_runtime_max_concurrent_reconciles{controller="ClassifierFold"}')).toMatch(/ 2$/);
    expect(line('controller_runtime_active_workers{controller="ClassifierFold"}')).toMatch(/ 0$/);
    expect(line('workqueue_adds_total{name="ClassifierFold",controller="ClassifierFold"}')).toMatch(/ 4$/);
    expect(line('workqueue_retries_total{name="ClassifierFold",controller="ClassifierFold"}')).toMatch(/ 1$/);
    expect(line('workqueue_queue_duration_seconds_count{name="ClassifierFold",controller="ClassifierFold"}')).toMatch(
      / 4$/,
    );
    expect(line('workqueue_work_duration_seconds_count{name="ClassifierFold",controller="ClassifierFold"}')).toMatch(
      / 4$/,
    );
    expect(line("workqueue_depth{")).toBeDefined();
    expect(line("process_resident_memory_bytes ")).toBeDefined();
    expect(line("nodejs_eventloop_lag_seconds ")).toBeDefined();
  });

  it("count resources per phase, those without a status as None", () => {
    const counts = countByPhase([
      { status: { phase: "Running" } },
      { status: { phase: "Running" } },
      { status: { phase: "Succeeded" } },
      {},
      { status: {} },
    ]);
    expect(Object.fromEntries(counts)).toEqual({ Running: 2, Succeeded: 1, None: 2 });
  });
});
