// Events as the API server stores them when the operator's recorder sends them: a repeated event
// is one Event whose count grows, a burst of similar ones folds into one combined Event, and an
// Event that expired meanwhile is created again.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../operator/kube/client.ts";
import { COMBINED_PREFIX } from "../../operator/kube/event-correlator.ts";
import { EventRecorder } from "../../operator/kube/events.ts";
import { createLogger } from "../../operator/log/logger.ts";
import { useClusterNamespace } from "./support/namespace.ts";

interface StoredEvent {
  metadata: { name: string };
  reason: string;
  message: string;
  count: number;
  involvedObject: { name: string };
}

describe("EventRecorder on the real API server", () => {
  let fold: KubeObject;
  const cluster = useClusterNamespace("events").setup(async (t) => {
    fold = await t.create("RoiDetectorTraining", "noisy", { source: "Trained", checkpoint: "a/b.pth" });
  });

  const events = async (reason: string) =>
    (await cluster.admin.get<{ items: StoredEvent[] }>(`/api/v1/namespaces/${cluster.name}/events`)).items.filter(
      (e) => e.reason === reason && e.involvedObject.name === "noisy",
    );

  it("stores a repeated event once with its count", async () => {
    const recorder = new EventRecorder(cluster.admin, "mammoflow-operator", "test", createLogger("silent"));
    for (let i = 0; i < 4; i++) recorder.record(fold, "Warning", "StageFailed", "stage export-onnx failed: exit 2");
    await recorder.flush();
    const stored = await events("StageFailed");
    expect(stored.map((e) => [e.message, e.count])).toEqual([["stage export-onnx failed: exit 2", 4]]);
  });

  it("folds the tenth and later similar events into one combined event", async () => {
    const recorder = new EventRecorder(cluster.admin, "mammoflow-operator", "test", createLogger("silent"));
    for (let i = 0; i < 14; i++) recorder.record(fold, "Normal", "StageStarted", `stage s${i} started`);
    await recorder.flush();
    const stored = await events("StageStarted");
    expect(stored).toHaveLength(10);
    const combined = stored.filter((e) => e.message.startsWith(COMBINED_PREFIX));
    expect(combined.map((e) => [e.message, e.count])).toEqual([[`${COMBINED_PREFIX}stage s13 started`, 5]]);
  });

  it("creates the event again when the one it would patch is gone", async () => {
    const recorder = new EventRecorder(cluster.admin, "mammoflow-operator", "test", createLogger("silent"));
    recorder.record(fold, "Warning", "StageRejected", "422 Invalid");
    await recorder.flush();
    const [first] = await events("StageRejected");
    await cluster.admin.delete(`/api/v1/namespaces/${cluster.name}/events/${first?.metadata.name}`);
    recorder.record(fold, "Warning", "StageRejected", "422 Invalid");
    await recorder.flush();
    const stored = await events("StageRejected");
    expect(stored.map((e) => e.count)).toEqual([2]);
    expect(stored[0]?.metadata.name).not.toBe(first?.metadata.name);
  });
});
