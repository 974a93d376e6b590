// Failure handling with the real Job controller: a stage that exits 2 fails its Job at once
// (podFailurePolicy FailJob, no retry) and the resource reports why; a pre-empted pod
// (DisruptionTarget condition, set by the node simulator as the scheduler's pre-emption does)
// is replaced without using the Job's backoff budget.
import { describe, expect, it } from "vitest";
import { condition, stageMessage } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { waitFor } from "./support/wait.ts";

const badInput = JSON.stringify({
  stage: "export-onnx",
  outcome: "Failed",
  requestDigest: "0".repeat(64),
  metrics: {},
  problems: 0,
  error: { reason: "BadInput", message: "checkpoint assets/trained/missing.pth does not exist" },
  artifacts: [],
  truncated: false,
});

describe("stage failures", () => {
  const cluster = useClusterNamespace("failures")
    .behaviours({
      "broken-roidet-export-onnx": { exitCode: 2, message: badInput },
      "preempted-roidet-export-onnx": { disruptOnce: true, message: stageMessage("export-onnx", ["model.onnx"]) },
    })
    .withOperator();

  it("exit code 2 fails the resource with the stage's reason, without a retry", async () => {
    await cluster.create("RoiDetectorTraining", "broken", {
      source: "Trained",
      checkpoint: "assets/trained/missing.pth",
    });
    const resource = await cluster.finished("RoiDetectorTraining", "broken");
    expect(resource.status?.phase).toBe("Failed");
    expect(condition(resource, "Failed")).toMatchObject({ status: "True", reason: "StageFailed" });
    expect(condition(resource, "Failed")?.message).toBe(
      "stage export-onnx failed (PodFailurePolicy): BadInput: checkpoint assets/trained/missing.pth does not exist",
    );
    const [job] = (await cluster.jobs()).filter((j) => j.metadata.name === "broken-roidet-export-onnx");
    expect(job?.status?.conditions?.find((c) => c.type === "Failed")?.reason).toBe("PodFailurePolicy");
    const pods = (await cluster.pods()).filter(
      (p) => p.metadata.labels?.["batch.kubernetes.io/job-name"] === "broken-roidet-export-onnx",
    );
    expect(pods).toHaveLength(1);
  });

  it("a failed stage re-runs only when the retry annotation changes", async () => {
    const failed = await cluster.get("RoiDetectorTraining", "broken");
    expect(failed.status?.phase).toBe("Failed");
    const [failedJob] = (await cluster.jobs()).filter((j) => j.metadata.name === "broken-roidet-export-onnx");
    // The input is fixed on the volume (here: the simulated stage now succeeds); the failed
    // stage still does not run again by itself.
    await cluster.behave({
      "broken-roidet-export-onnx": { message: stageMessage("export-onnx", ["model.onnx"]) },
      "preempted-roidet-export-onnx": { disruptOnce: true, message: stageMessage("export-onnx", ["model.onnx"]) },
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await cluster.get("RoiDetectorTraining", "broken")).status?.phase).toBe("Failed");

    await cluster.patch("RoiDetectorTraining", "broken", {
      metadata: { annotations: { "mammoflow.io/retry": "1" } },
    });
    const retried = await waitFor("RoiDetectorTraining/broken to succeed after the retry", async () => {
      const r = await cluster.get("RoiDetectorTraining", "broken");
      return r.status?.phase === "Succeeded" ? r : undefined;
    });
    expect(retried.status?.observedRetry).toBe("1");
    const [job] = (await cluster.jobs()).filter((j) => j.metadata.name === "broken-roidet-export-onnx");
    expect(job?.metadata.uid).not.toBe(failedJob?.metadata.uid);
  });

  it("a disrupted pod is replaced without counting against backoffLimit", async () => {
    await cluster.create("RoiDetectorTraining", "preempted", {
      source: "Trained",
      checkpoint: "assets/trained/d.pth",
    });
    const resource = await cluster.finished("RoiDetectorTraining", "preempted");
    expect(resource.status?.phase).toBe("Succeeded");
    expect(resource.status?.stages).toMatchObject([{ name: "export-onnx", phase: "Succeeded", attempts: 0 }]);
    const job = (await cluster.jobs()).find((j) => j.metadata.name === "preempted-roidet-export-onnx");
    expect(job?.status?.failed ?? 0).toBe(0);
    expect(job?.status?.succeeded).toBe(1);
    const pods = (await cluster.pods()).filter(
      (p) => p.metadata.labels?.["batch.kubernetes.io/job-name"] === "preempted-roidet-export-onnx",
    );
    expect(pods.map((p) => p.status?.phase).sort()).toEqual(["Failed", "Succeeded"]);
    const disrupted = pods.find((p) => p.status?.phase === "Failed");
    expect(disrupted?.status?.conditions?.find((c) => c.type === "DisruptionTarget")?.status).toBe("True");
  });
});
