// A FullReproduce Reproduction on the real control plane. Jobs are run by the real Job
// controller and scheduler; their pods by the node simulator (tests/cluster/controlplane/
// nodesim.go), which plays the kubelet: it marks pods Running and then Succeeded with the
// termination message the test configured for that stage (what a real stage prints).
import { describe, expect, it } from "vitest";
import type { StageRequest } from "../../jobs/contract/request.ts";
import { REQUEST_DIGEST_ANNOTATION } from "../../operator/executors/kubernetes/names.ts";
import { condition, STAGE_ARTIFACTS, stageMessage } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { waitFor } from "./support/wait.ts";

/** Every stage succeeds; the submission's aggregate reports a pF1. */
const SUCCEED_ALL = Object.fromEntries(
  Object.entries(STAGE_ARTIFACTS).map(([stage, artifacts]) => [
    stage,
    { message: stageMessage(stage, artifacts, stage === "aggregate" ? { pF1: 0.5 } : {}) },
  ]),
);

describe("FullReproduce on a real control plane", () => {
  // Every stage succeeds, except that detector training waits until the test lets it go.
  const cluster = useClusterNamespace("full")
    .behaviours({ ...SUCCEED_ALL, "train-detector": { hold: true } })
    .withOperator();

  it("creates the children, blocks them on their inputs, runs every stage in order, and names the CSV", async () => {
    await cluster.create("Reproduction", "r", {
      mode: "FullReproduce",
      dataset: { shards: 2 },
      submission: { runtime: { shards: 2 } },
    });

    // Children exist, owned by the reproduction.
    const kinds = ["RoiDetectorTraining", "ClassificationDataset", "ClassifierFold", "EngineBuild", "Submission"];
    const children = await waitFor("the reproduction's 8 children", async () => {
      const all = (await Promise.all(kinds.map((k) => cluster.list(k)))).flat();
      return all.length === 8 ? all : undefined;
    });
    expect(children.map((c) => `${c.kind}/${c.metadata.name}`).sort()).toEqual(
      [
        "ClassificationDataset/r-dataset",
        "ClassifierFold/r-fold-0",
        "ClassifierFold/r-fold-1",
        "ClassifierFold/r-fold-2",
        "ClassifierFold/r-fold-3",
        "EngineBuild/r-engine",
        "RoiDetectorTraining/r-detector",
        "Submission/r-submission",
      ].sort(),
    );
    for (const child of children) {
      expect(child.metadata.ownerReferences).toMatchObject([{ kind: "Reproduction", name: "r", controller: true }]);
    }

    // While the detector trains, everything downstream is Blocked on its input and has no Job.
    await waitFor("the train-detector pod to run", async () =>
      (await cluster.pods()).find(
        (p) => p.metadata.labels?.["mammoflow.io/stage"] === "train-detector" && p.status?.phase === "Running",
      ),
    );
    const blocked = await waitFor("downstream resources to be Blocked", async () => {
      const dataset = await cluster.get("ClassificationDataset", "r-dataset");
      const fold = await cluster.get("ClassifierFold", "r-fold-2");
      const submission = await cluster.get("Submission", "r-submission");
      return dataset.status?.phase === "Blocked" &&
        fold.status?.phase === "Blocked" &&
        submission.status?.phase === "Blocked"
        ? { dataset, fold, submission }
        : undefined;
    });
    expect(condition(blocked.dataset, "Blocked")).toMatchObject({
      status: "True",
      reason: "WaitingForDetector",
      message: "waiting for RoiDetectorTraining/r-detector to be Ready (it is Running)",
    });
    expect(condition(blocked.fold, "Blocked")).toMatchObject({
      status: "True",
      reason: "WaitingForDataset",
      message: "waiting for ClassificationDataset/r-dataset to be Ready (it is Blocked)",
    });
    expect(condition(blocked.submission, "Blocked")?.reason).toBe("WaitingForDetector");
    expect((await cluster.jobs()).map((j) => j.metadata.name).sort()).toEqual([
      "r-detector-roidet-roi-dataset",
      "r-detector-roidet-train-detector",
    ]);

    // Let training finish; the rest runs to the end.
    await cluster.behave(SUCCEED_ALL);
    const reproduction = await waitFor(
      "the reproduction to succeed",
      async () => {
        const r = await cluster.get("Reproduction", "r");
        return r.status?.phase === "Succeeded" || r.status?.phase === "Failed" ? r : undefined;
      },
      200_000,
      async () => (await cluster.get("Reproduction", "r")).status?.children,
    );
    expect(reproduction.status?.phase).toBe("Succeeded");
    const childPhases = (reproduction.status?.children as { phase?: string }[] | undefined)?.map((c) => c.phase);
    expect(childPhases).toEqual(Array(8).fill("Succeeded"));
    expect(reproduction.status?.artifacts).toEqual([
      {
        name: "submission.csv",
        path: `runs/${cluster.name}/Submission/r-submission/aggregate/submission.csv`,
        sha256: "ab".repeat(32),
      },
    ]);
    expect(reproduction.status?.metrics).toEqual({ pF1: 0.5 });

    for (const child of children) {
      const done = await cluster.get(child.kind ?? "", child.metadata.name);
      expect(done.status?.phase, `${child.kind}/${child.metadata.name}`).toBe("Succeeded");
      expect(condition(done, "Ready")?.status).toBe("True");
      expect(done.status?.artifacts?.length).toBeGreaterThan(0);
    }
    const submission = await cluster.get("Submission", "r-submission");
    expect(submission.status?.stages?.map((s) => [s.name, s.phase, s.shardsSucceeded, s.shardsTotal])).toEqual([
      ["predict", "Succeeded", 2, 2],
      ["aggregate", "Succeeded", 1, 1],
    ]);
    expect(submission.status?.artifacts?.map((a) => a.path)).toEqual([
      `runs/${cluster.name}/Submission/r-submission/predict/0/predictions.csv`,
      `runs/${cluster.name}/Submission/r-submission/predict/1/predictions.csv`,
      `runs/${cluster.name}/Submission/r-submission/aggregate/submission.csv`,
    ]);

    // Dependency order: each stage's Job was created no earlier than its input's Job finished.
    const jobs = await cluster.jobs();
    const job = (name: string) => {
      const found = jobs.find((j) => j.metadata.name === name);
      if (!found) throw new Error(`no Job ${name}`);
      return found;
    };
    const created = (name: string) => Date.parse(String(job(name).metadata.creationTimestamp));
    const completed = (name: string) => Date.parse(String(job(name).status?.completionTime));
    const order: [string, string][] = [
      ["r-detector-roidet-roi-dataset", "r-detector-roidet-train-detector"],
      ["r-detector-roidet-train-detector", "r-detector-roidet-export-onnx"],
      ["r-detector-roidet-export-onnx", "r-detector-roidet-build-engine"],
      ["r-detector-roidet-build-engine", "r-dataset-clsdata-prepare-dataset"],
      ["r-dataset-clsdata-prepare-dataset", "r-dataset-clsdata-cv-split"],
      ["r-dataset-clsdata-cv-split", "r-fold-0-fold-train-fold-1"],
      ["r-fold-0-fold-train-fold-1", "r-fold-0-fold-train-fold-2"],
      ["r-fold-3-fold-train-fold-1", "r-engine-engine-select-checkpoints"],
      ["r-fold-0-fold-train-fold-2", "r-engine-engine-select-checkpoints"],
      ["r-engine-engine-select-checkpoints", "r-engine-engine-export-onnx"],
      ["r-engine-engine-export-onnx", "r-engine-engine-build-engine"],
      ["r-engine-engine-build-engine", "r-submission-subm-predict"],
      ["r-detector-roidet-build-engine", "r-submission-subm-predict"],
      ["r-submission-subm-predict", "r-submission-subm-aggregate"],
    ];
    for (const [before, after] of order)
      expect(created(after), `${after} after ${before}`).toBeGreaterThanOrEqual(completed(before));
    expect(jobs).toHaveLength(4 + 2 + 6 + 3 + 2);
    const detector = await cluster.get("RoiDetectorTraining", "r-detector");
    expect(detector.status?.stages?.map((s) => s.name)).toEqual([
      "roi-dataset",
      "train-detector",
      "export-onnx",
      "build-engine",
    ]);
    // Every shard of prepare-dataset and of predict reads the detector from its engine's folder,
    // linked to the request of the build-engine Job that wrote it.
    const engineDir = `runs/${cluster.name}/RoiDetectorTraining/r-detector/build-engine`;
    const engineDigest = job("r-detector-roidet-build-engine").metadata.annotations?.[REQUEST_DIGEST_ANNOTATION];
    expect(engineDigest).toMatch(/^[0-9a-f]{64}$/);
    for (const [name, stage] of [
      ["r-dataset-clsdata-prepare-dataset", "prepare-dataset"],
      ["r-submission-subm-predict", "predict"],
    ] as const) {
      // Each shard's request, in the Job's pod template (request-volume.ts).
      const annotations = job(name).spec?.template.metadata?.annotations ?? {};
      const requests = Object.entries(annotations)
        .filter(([key]) => key.startsWith("request.mammoflow.io/"))
        .map(([, text]) => JSON.parse(text) as StageRequest);
      expect(requests, name).toHaveLength(2);
      for (const request of requests) {
        expect(request.stage, name).toBe(stage);
        expect(request.inputs.detector, name).toBe(engineDir);
        expect(request.inputDigests?.detector, name).toBe(engineDigest);
      }
    }

    // Pod specs: GPU stages on A100 nodes with one GPU; CPU stages off the GPU pool.
    const pods = await cluster.pods();
    const trainPod = pods.find((p) => p.metadata.labels?.["mammoflow.io/stage"] === "train-fold");
    expect(trainPod?.spec?.nodeName).toMatch(/^a100-[01]$/);
    expect(trainPod?.spec?.automountServiceAccountToken).toBe(false);
    // The seed's fold sizing: a memory limit covering the 32 Gi /dev/shm, GPUs as request and limit.
    expect(trainPod?.spec?.containers[0]?.resources?.limits).toEqual({ memory: "80Gi", "nvidia.com/gpu": "1" });
    expect(trainPod?.spec?.containers[0]?.command?.slice(0, 4)).toEqual([
      "python",
      "-m",
      "mammoflow_jobs",
      "train-fold",
    ]);
    const preparePods = pods.filter((p) => p.metadata.labels?.["mammoflow.io/stage"] === "prepare-dataset");
    expect(preparePods.map((p) => p.spec?.nodeName)).toEqual(["cpu-0", "cpu-0"]);
    expect(preparePods.map((p) => p.metadata.annotations?.["batch.kubernetes.io/job-completion-index"]).sort()).toEqual(
      ["0", "1"],
    );
  });
});
