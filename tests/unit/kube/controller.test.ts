import { describe, expect, it } from "vitest";
import { Controller } from "../../../operator/kube/controller.ts";
import { createOperatorMetrics } from "../../../operator/kube/metrics.ts";
import { createLogger } from "../../../operator/log/logger.ts";

describe("a controller's workers", () => {
  it("let the event loop run between reconciles that never wait for I/O (a resync does not stall it)", async () => {
    const reconciled: string[] = [];
    const controller = new Controller(
      "RoiDetectorTraining",
      async (key) => {
        reconciled.push(key);
        return undefined;
      },
      createOperatorMetrics(),
      createLogger("silent"),
    );
    const keys = Array.from({ length: 100 }, (_, i) => `bench/det-${i}`);
    for (const key of keys) controller.enqueue(key);
    // What a watch event or a Lease renewal timer would be: a callback of the event loop.
    const seenByTheEventLoop = new Promise<number>((resolve) => setImmediate(() => resolve(reconciled.length)));
    controller.start(1);
    expect(await seenByTheEventLoop).toBe(1);
    while (reconciled.length < keys.length) await new Promise((resolve) => setImmediate(resolve));
    await controller.stop();
    expect(reconciled).toEqual(keys);
  });
});
