// mammoflow.io/recheck on the real control plane (simulated nodes): a new value starts the stages
// of a finished resource again as new Jobs, after the input resource's own recheck; what each
// pod found (its termination message: `reused` when the stage's own result still stood for the
// request, the content of its inputs unchanged) is what the status says, stage by stage.
import { describe, expect, it } from "vitest";
import { condition, stageMessage } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { waitFor } from "./support/wait.ts";

/** What a stage pod prints when it ran the stage, and when its earlier result stood. */
const ran = (stage: string, artifact: string) => ({ message: stageMessage(stage, [artifact]) });
const reused = (stage: string, artifact: string) => ({
  message: JSON.stringify({ ...JSON.parse(stageMessage(stage, [artifact])), reused: true }),
});

describe("mammoflow.io/recheck", () => {
  const cluster = useClusterNamespace("recheck")
    .behaviours({
      "export-onnx": ran("export-onnx", "model.onnx"),
      "prepare-dataset": ran("prepare-dataset", "crops.csv"),
      "cv-split": ran("cv-split", "folds.csv"),
    })
    .withOperator()
    .setup(async (t) => {
      await t.create("RoiDetectorTraining", "det", { source: "Trained", checkpoint: "assets/det.pth" });
      await t.create("ClassificationDataset", "data", { detector: { name: "det" }, shards: 1, cvSplit: { folds: 4 } });
    });
  const jobUids = async () => Object.fromEntries((await cluster.jobs()).map((j) => [j.metadata.name, j.metadata.uid]));
  const recheck = (kind: string, name: string, value: string) =>
    cluster.patch(kind, name, { metadata: { annotations: { "mammoflow.io/recheck": value } } });
  const succeededAfter = (kind: string, name: string, value: string) =>
    waitFor(
      `${kind}/${name} to succeed after recheck ${value}`,
      async () => {
        const r = await cluster.get(kind, name);
        return r.status?.phase === "Succeeded" && r.status.observedRecheck === value ? r : undefined;
      },
      90_000,
      async () => (await cluster.get(kind, name)).status,
    );

  it("starts the stages again, the reader after its input's recheck, and says which reused and which ran", async () => {
    const first = await waitFor("ClassificationDataset/data to succeed", async () => {
      const r = await cluster.get("ClassificationDataset", "data");
      return r.status?.phase === "Succeeded" ? r : undefined;
    });
    expect(first.status?.stages?.map((s) => [s.name, s.reused])).toEqual([
      ["prepare-dataset", false],
      ["cv-split", false],
    ]);
    const before = await jobUids();
    expect(Object.keys(before).sort()).toEqual([
      "data-clsdata-cv-split",
      "data-clsdata-prepare-dataset",
      "det-roidet-export-onnx",
    ]);

    // The detector's checkpoint is as it was (its pod stands its result, after a few seconds of
    // hashing); a dataset file was fixed, so both dataset stages run.
    await cluster.behave({
      "export-onnx": { ...reused("export-onnx", "model.onnx"), seconds: 3 },
      "prepare-dataset": ran("prepare-dataset", "crops.csv"),
      "cv-split": ran("cv-split", "folds.csv"),
    });
    // The input first, then at once the resource that reads it: the reader waits for the
    // input's recheck (WaitingForInputRecheck, then its input not Ready) and re-checks after it.
    await recheck("RoiDetectorTraining", "det", "1");
    await recheck("ClassificationDataset", "data", "1");
    const waiting = await waitFor("ClassificationDataset/data to wait for its input's recheck", async () => {
      const r = await cluster.get("ClassificationDataset", "data");
      return r.status?.phase === "Blocked" ? r : undefined;
    });
    expect(waiting.status?.observedRecheck).toBeUndefined();

    const det = await succeededAfter("RoiDetectorTraining", "det", "1");
    expect(det.status?.stages?.[0]).toMatchObject({
      name: "export-onnx",
      phase: "Succeeded",
      reused: true,
      message: "its own result reused: the content of its inputs is unchanged",
    });
    expect(condition(det, "Ready")).toMatchObject({
      status: "True",
      message: "all 1 stages succeeded (0 ran, 1 reused their results)",
    });
    const data = await succeededAfter("ClassificationDataset", "data", "1");
    expect(data.status?.stages?.map((s) => [s.name, s.phase, s.reused])).toEqual([
      ["prepare-dataset", "Succeeded", false],
      ["cv-split", "Succeeded", false],
    ]);
    expect(condition(data, "Ready")?.message).toBe("all 2 stages succeeded");
    const exportFinished = Date.parse(det.status?.stages?.[0]?.finishedAt ?? "");
    const prepareStarted = Date.parse(data.status?.stages?.[0]?.startedAt ?? "");
    expect(prepareStarted).toBeGreaterThanOrEqual(exportFinished);

    const after = await jobUids();
    for (const job of Object.keys(before)) expect(after[job], job).not.toBe(before[job]);
  });

  it("the same value again starts nothing", async () => {
    const before = await jobUids();
    await recheck("ClassificationDataset", "data", "1");
    await recheck("RoiDetectorTraining", "det", "1");
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await jobUids()).toEqual(before);
    expect((await cluster.get("ClassificationDataset", "data")).status?.phase).toBe("Succeeded");
  });

  it("outputs made again differently re-run their readers, which were not rechecked; the same outputs do not", async () => {
    const withOutputs = (behaviour: { message: string }, outputDigest: string) => ({
      message: JSON.stringify({ ...JSON.parse(behaviour.message), outputDigest }),
    });
    const dataJobs = async () => {
      const uids = await jobUids();
      return [uids["data-clsdata-prepare-dataset"], uids["data-clsdata-cv-split"]];
    };
    const dataSucceededAgain = (before: unknown[]) =>
      waitFor(
        "ClassificationDataset/data to run again and succeed",
        async () => {
          const r = await cluster.get("ClassificationDataset", "data");
          const jobs = await dataJobs();
          return r.status?.phase === "Succeeded" && jobs.every((uid, i) => uid && uid !== before[i]) ? r : undefined;
        },
        90_000,
        async () => ({
          data: (await cluster.get("ClassificationDataset", "data")).status,
          det: (await cluster.get("RoiDetectorTraining", "det")).status?.stages,
        }),
      );
    // The checkpoint was fixed: the detector's export runs and names new outputs.
    await cluster.behave({
      "export-onnx": withOutputs(ran("export-onnx", "model.onnx"), "1".repeat(64)),
      "prepare-dataset": ran("prepare-dataset", "crops.csv"),
      "cv-split": ran("cv-split", "folds.csv"),
    });
    let before = await dataJobs();
    await recheck("RoiDetectorTraining", "det", "2");
    await succeededAfter("RoiDetectorTraining", "det", "2");
    const rerun = await dataSucceededAgain(before);
    expect(rerun.status?.observedRecheck).toBe("1");
    expect(rerun.status?.stages?.map((s) => [s.name, s.reused])).toEqual([
      ["prepare-dataset", false],
      ["cv-split", false],
    ]);

    // Nothing changed this time: the export stands its result, the same outputs; the dataset stays.
    await cluster.behave({
      "export-onnx": withOutputs(reused("export-onnx", "model.onnx"), "1".repeat(64)),
      "prepare-dataset": ran("prepare-dataset", "crops.csv"),
      "cv-split": ran("cv-split", "folds.csv"),
    });
    before = await dataJobs();
    await recheck("RoiDetectorTraining", "det", "3");
    const det = await succeededAfter("RoiDetectorTraining", "det", "3");
    expect(det.status?.stages?.[0]?.outputDigest).toBe("1".repeat(64));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await dataJobs()).toEqual(before);
    expect((await cluster.get("ClassificationDataset", "data")).status?.phase).toBe("Succeeded");

    // Fixed again: other outputs, and the dataset runs again.
    await cluster.behave({
      "export-onnx": withOutputs(ran("export-onnx", "model.onnx"), "2".repeat(64)),
      "prepare-dataset": ran("prepare-dataset", "crops.csv"),
      "cv-split": ran("cv-split", "folds.csv"),
    });
    await recheck("RoiDetectorTraining", "det", "4");
    await succeededAfter("RoiDetectorTraining", "det", "4");
    await dataSucceededAgain(before);
  });

  it("on a Reproduction, goes down to its children, each after the children it reads from", async () => {
    const stages = ["export-onnx", "build-engine", "predict", "aggregate"];
    const artifacts = ["model.onnx", "model.engine", "predictions.csv", "submission.csv"];
    await cluster.behave(Object.fromEntries(stages.map((stage, i) => [stage, ran(stage, artifacts[i] ?? "")])));
    await cluster.create("Reproduction", "r", {});
    await waitFor(
      "Reproduction/r to succeed",
      async () => (await cluster.get("Reproduction", "r")).status?.phase === "Succeeded",
      180_000,
    );
    const before = await jobUids();
    // Both models are as they were (their exports stand their results, which leaves their engines
    // reusable too); the test images were fixed, so the submission's stages run.
    await cluster.behave({
      "export-onnx": { ...reused("export-onnx", "model.onnx"), seconds: 2 },
      "build-engine": reused("build-engine", "model.engine"),
      predict: ran("predict", "predictions.csv"),
      aggregate: ran("aggregate", "submission.csv"),
    });
    await recheck("Reproduction", "r", "1");
    const children: [string, string][] = [
      ["RoiDetectorTraining", "r-detector"],
      ["EngineBuild", "r-engine"],
      ["Submission", "r-submission"],
    ];
    const done = [];
    for (const [kind, name] of children) done.push(await succeededAfter(kind, name, "1"));
    const [detector, engine, submission] = done;
    for (const child of done) expect(child.metadata.annotations?.["mammoflow.io/recheck"]).toBe("1");
    expect(detector?.status?.stages?.map((s) => [s.name, s.reused])).toEqual([
      ["export-onnx", true],
      ["build-engine", true],
    ]);
    expect(engine?.status?.stages?.map((s) => [s.name, s.reused])).toEqual([
      ["export-onnx", true],
      ["build-engine", true],
    ]);
    expect(submission?.status?.stages?.map((s) => [s.name, s.reused])).toEqual([
      ["predict", false],
      ["aggregate", false],
    ]);
    const finishedAt = (r: typeof detector) =>
      Math.max(...(r?.status?.stages ?? []).map((s) => Date.parse(s.finishedAt ?? "")));
    const predictStarted = Date.parse(submission?.status?.stages?.[0]?.startedAt ?? "");
    expect(predictStarted).toBeGreaterThanOrEqual(Math.max(finishedAt(detector), finishedAt(engine)));
    const after = await jobUids();
    for (const job of Object.keys(before).filter((j) => j.startsWith("r-"))) {
      expect(after[job], job).not.toBe(before[job]);
    }
  }, 300_000);
});
