// The reconcilers walk resources through their phases over the in-memory API (no control plane:
// milliseconds per test). The test plays the Job controller and the kubelet: it sets the Jobs'
// statuses and their pods' exits; the operator's caches, watch wiring, controllers and Event
// recorder are the real ones. tests/cluster/ runs the same against a real kube-apiserver.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ResourceStatus } from "../../../operator/pipeline/status.ts";
import { type InMemoryOperator, kindCollection, startInMemoryOperator } from "../../support/in-memory-operator.ts";

const DETECTOR = "RoiDetectorTraining";
const STATUS = "PATCH /apis/mammoflow.io/v1alpha1/namespaces/ns/roidetectortrainings/det/status";
const EXPORT_JOB = "det-roidet-export-onnx";
const ENGINE_JOB = "det-roidet-build-engine";

/** The detector "det", imported from a checkpoint; `spec` adds to or replaces its fields. */
const detector = (spec: Record<string, unknown> = {}) => ({
  kind: DETECTOR,
  metadata: { name: "det" },
  spec: { source: "Trained", checkpoint: "assets/trained/det.pth", ...spec },
});

/** Conditions as "Type=Status Reason: message", in the status's order. */
const conditions = (status: ResourceStatus | undefined) =>
  (status?.conditions ?? []).map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`);
/** Stages as "name Phase Job" ("-" for a stage without a Job). */
const stages = (status: ResourceStatus | undefined) =>
  (status?.stages ?? []).map((s) => `${s.name} ${s.phase} ${s.jobName ?? "-"}`);

let operator: InMemoryOperator;
const statusOf = async (kind = DETECTOR, name = "det") =>
  (await operator.resource(kind, name)).status as ResourceStatus | undefined;
/** The stage Jobs by uid ("name.2": the second Job of that name), " suspended" when held. */
const jobs = () => operator.jobs().map((j) => `${j.metadata.uid}${j.spec?.suspend ? " suspended" : ""}`);

afterEach(async () => {
  await operator.stop();
});

describe("a stage resource over the in-memory API", () => {
  beforeEach(async () => {
    operator = await startInMemoryOperator({ gpuPools: { a100: { gpuType: "a100" }, h100: { gpuType: "h100" } } });
  });

  it("starts one stage at a time, each when the one before succeeded, and ends Succeeded with its artifacts", async () => {
    await operator.apply(detector({ tensorRT: true }));
    // The Job carries its request (no ConfigMap): one write for the start, one for the status.
    expect(await operator.settle()).toEqual([`POST /apis/batch/v1/namespaces/ns/jobs ${EXPORT_JOB}`, STATUS]);
    const resource = await operator.resource(DETECTOR, "det");
    const [job] = operator.jobs();
    expect(job?.metadata.ownerReferences).toEqual([
      {
        apiVersion: "mammoflow.io/v1alpha1",
        kind: DETECTOR,
        name: "det",
        uid: resource.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(job?.metadata.annotations?.["mammoflow.io/request-digest"]).toBe(
      (resource.status as ResourceStatus).stages?.[0]?.requestDigest,
    );
    let status = await statusOf();
    expect([status?.phase, status?.observedGeneration]).toEqual(["Running", 1]);
    expect(conditions(status)).toEqual([
      "Blocked=False InputsReady: ",
      "Ready=False StagesRunning: running stage export-onnx (0/2 done)",
    ]);
    expect(stages(status)).toEqual([`export-onnx Running ${EXPORT_JOB}`, "build-engine Pending -"]);

    expect([status?.startedAt, status?.stages?.[0]?.startedAt]).toEqual([
      "2026-01-01T00:00:00.000Z",
      "2026-01-01T00:00:00.000Z",
    ]);

    // The pod starts: the status already says Running since the start, so nothing is written.
    operator.advance(5);
    await operator.jobRuns(EXPORT_JOB);
    expect(await operator.settle()).toEqual([]);

    operator.advance(60);
    await operator.jobEnds(EXPORT_JOB, 0, {
      stage: "export-onnx",
      artifacts: [
        {
          name: "detector.onnx",
          path: "runs/ns/RoiDetectorTraining/det/export-onnx/detector.onnx",
          sha256: "a".repeat(64),
        },
      ],
    });
    expect(await operator.settle()).toEqual([`POST /apis/batch/v1/namespaces/ns/jobs ${ENGINE_JOB}`, STATUS]);
    status = await statusOf();
    expect(conditions(status)).toEqual([
      "Blocked=False InputsReady: ",
      "Ready=False StagesRunning: running stage build-engine (1/2 done)",
    ]);
    expect(stages(status)).toEqual([`export-onnx Succeeded ${EXPORT_JOB}`, `build-engine Running ${ENGINE_JOB}`]);

    operator.advance(60);
    await operator.jobEnds(ENGINE_JOB, 0, { stage: "build-engine" });
    expect(await operator.settle()).toEqual([STATUS]);
    status = await statusOf();
    expect([status?.phase, status?.finishedAt]).toEqual(["Succeeded", "2026-01-01T00:02:05.000Z"]);
    expect(conditions(status)).toEqual([
      "Blocked=False InputsReady: ",
      "Ready=True Succeeded: all 2 stages succeeded",
      "Succeeded=True Succeeded: all 2 stages succeeded",
    ]);
    expect(status?.artifacts).toEqual([
      {
        name: "detector.onnx",
        path: "runs/ns/RoiDetectorTraining/det/export-onnx/detector.onnx",
        sha256: "a".repeat(64),
      },
    ]);
    expect(jobs()).toEqual([`${EXPORT_JOB}.1`, `${ENGINE_JOB}.1`]);
    // Starts are in status.stages[].startedAt; only the change to Succeeded is an Event (and
    // no Running Event for the first start either): 2 changes of phase, 2 + 2 + 1 + 1 writes.
    expect(operator.events()).toEqual([`Normal Succeeded ${DETECTOR}/det: all 2 stages succeeded`]);
  });

  it("fails with the stage's own reason when its pod exits 2, starts nothing after it, and runs it again on a retry", async () => {
    await operator.apply(detector({ tensorRT: true }));
    await operator.settle();
    await operator.jobEnds(EXPORT_JOB, 2, {
      stage: "export-onnx",
      outcome: "Failed",
      error: { reason: "BadRequest", message: "checkpoint assets/trained/det.pth: no such file" },
    });
    expect(await operator.settle()).toEqual([STATUS]);
    const status = await statusOf();
    const failure =
      "stage export-onnx failed (BackoffLimitExceeded): BadRequest: checkpoint assets/trained/det.pth: no such file";
    expect(status?.phase).toBe("Failed");
    expect(conditions(status)).toEqual([
      "Blocked=False InputsReady: ",
      `Failed=True StageFailed: ${failure}`,
      `Ready=False StageFailed: ${failure}`,
      `Succeeded=False StageFailed: ${failure}`,
    ]);
    expect(stages(status)).toEqual([`export-onnx Failed ${EXPORT_JOB}`, "build-engine Pending -"]);
    expect(jobs()).toEqual([`${EXPORT_JOB}.1`]);
    expect(operator.events("Failed")).toEqual([`Warning Failed ${DETECTOR}/det: ${failure}`]);
    expect(await operator.settle()).toEqual([]);

    // A new value of the retry annotation deletes the failed Job (that one: its uid) and starts
    // the stage again as a new Job of the same name.
    const retried = detector({ tensorRT: true });
    await operator.apply({ ...retried, metadata: { ...retried.metadata, annotations: { "mammoflow.io/retry": "1" } } });
    expect(await operator.settle()).toEqual([
      `DELETE /apis/batch/v1/namespaces/ns/jobs/${EXPORT_JOB}`,
      `POST /apis/batch/v1/namespaces/ns/jobs ${EXPORT_JOB}`,
      STATUS,
    ]);
    const again = await statusOf();
    expect([again?.phase, again?.observedRetry]).toEqual(["Running", "1"]);
    expect(stages(again)).toEqual([`export-onnx Running ${EXPORT_JOB}`, "build-engine Pending -"]);
    expect(jobs()).toEqual([`${EXPORT_JOB}.2`]);
    expect(operator.events("StageRetried")).toEqual([
      `Normal StageRetried ${DETECTOR}/det: stage export-onnx runs again (retry 1)`,
    ]);
  });

  it("an edit that changes one stage's request re-runs that stage alone, after its old Job is gone", async () => {
    await operator.apply(detector({ tensorRT: true }));
    await operator.settle();
    await operator.jobEnds(EXPORT_JOB, 0, { stage: "export-onnx" });
    await operator.settle();
    await operator.jobEnds(ENGINE_JOB, 0, { stage: "build-engine" });
    await operator.settle();
    expect((await statusOf())?.phase).toBe("Succeeded");

    // Another pool's GPU type is a new engine request; the ONNX export does not depend on it.
    await operator.apply(detector({ tensorRT: true, placement: { gpuPool: "h100" } }));
    expect(await operator.settle()).toEqual([
      `DELETE /apis/batch/v1/namespaces/ns/jobs/${ENGINE_JOB}`,
      STATUS,
      `POST /apis/batch/v1/namespaces/ns/jobs ${ENGINE_JOB}`,
      STATUS,
    ]);
    const status = await statusOf();
    expect([status?.phase, status?.observedGeneration]).toEqual(["Running", 2]);
    expect(conditions(status)).toEqual([
      "Blocked=False InputsReady: ",
      "Ready=False StagesRunning: running stage build-engine (1/2 done)",
    ]);
    expect(stages(status)).toEqual([`export-onnx Succeeded ${EXPORT_JOB}`, `build-engine Running ${ENGINE_JOB}`]);
    // The same export Job; a new engine Job under the old name (a new uid).
    expect(jobs()).toEqual([`${EXPORT_JOB}.1`, `${ENGINE_JOB}.2`]);
    expect(operator.events("StageStarted", "StageSuperseded")).toEqual([
      `Normal StageSuperseded ${DETECTOR}/det: stage build-engine runs again for its new request`,
    ]);
  });

  it("spec.suspend suspends the running stage's Job and resumes the same Job when false again", async () => {
    await operator.apply(detector());
    await operator.settle();
    await operator.jobRuns(EXPORT_JOB);
    await operator.settle();

    await operator.apply(detector({ suspend: true }));
    expect(await operator.settle()).toEqual([`PATCH /apis/batch/v1/namespaces/ns/jobs/${EXPORT_JOB}`, STATUS, STATUS]);
    let status = await statusOf();
    const held =
      "spec.suspend is true: stage export-onnx is suspended and no stage starts until it is false (0/1 done)";
    expect(status?.phase).toBe("Suspended");
    expect(conditions(status)).toEqual([`Ready=False Suspended: ${held}`, `Suspended=True Suspended: ${held}`]);
    expect(status?.stages?.[0]?.message).toBe(`Job ${EXPORT_JOB} is suspended (spec.suspend of its resource)`);
    expect(jobs()).toEqual([`${EXPORT_JOB}.1 suspended`]);

    await operator.apply(detector({ suspend: false }));
    expect(await operator.settle()).toEqual([`PATCH /apis/batch/v1/namespaces/ns/jobs/${EXPORT_JOB}`, STATUS, STATUS]);
    status = await statusOf();
    expect(status?.phase).toBe("Running");
    expect(conditions(status)).toEqual([
      "Blocked=False InputsReady: ",
      "Ready=False StagesRunning: running stage export-onnx (0/1 done)",
    ]);
    expect(jobs()).toEqual([`${EXPORT_JOB}.1`]);
    expect(operator.events("StageSuspended", "Suspended", "StageResumed")).toEqual([
      `Normal StageSuspended ${DETECTOR}/det: stage export-onnx suspended (spec.suspend)`,
      `Normal Suspended ${DETECTOR}/det: ${held}`,
      `Normal StageResumed ${DETECTOR}/det: stage export-onnx resumed`,
    ]);
  });
});

describe("a Reproduction over the in-memory API", () => {
  beforeEach(async () => {
    operator = await startInMemoryOperator();
  });

  it("applies its mode's children, owned by it; they start their stages, the submission waits for the detector", async () => {
    await operator.apply({ kind: "Reproduction", metadata: { name: "rsna" }, spec: { mode: "Trained" } });
    await operator.settle();
    const reproduction = await operator.resource("Reproduction", "rsna");
    const children = [
      "RoiDetectorTraining",
      "EngineBuild",
      "Submission",
      "ClassifierFold",
      "ClassificationDataset",
    ].map((kind) => [kind, operator.names(kindCollection(kind))]);
    expect(children).toEqual([
      ["RoiDetectorTraining", ["rsna-detector"]],
      ["EngineBuild", ["rsna-engine"]],
      ["Submission", ["rsna-submission"]],
      ["ClassifierFold", []],
      ["ClassificationDataset", []],
    ]);
    const submission = await operator.resource("Submission", "rsna-submission");
    expect(submission.metadata.labels).toEqual({ "mammoflow.io/reproduction": "rsna" });
    expect(submission.metadata.ownerReferences).toEqual([
      {
        apiVersion: "mammoflow.io/v1alpha1",
        kind: "Reproduction",
        name: "rsna",
        uid: reproduction.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(jobs()).toEqual(["rsna-detector-roidet-export-onnx.1", "rsna-engine-engine-export-onnx.1"]);
    expect(conditions(await statusOf("Reproduction", "rsna"))).toEqual([
      "Ready=False ChildrenRunning: 0/3 resources succeeded",
    ]);
    expect((await statusOf("Reproduction", "rsna"))?.phase).toBe("Running");
    expect(conditions(await statusOf("Submission", "rsna-submission"))).toEqual([
      "Blocked=True WaitingForDetector: waiting for RoiDetectorTraining/rsna-detector to be Ready (it is Running)",
      "Ready=False WaitingForDetector: waiting for RoiDetectorTraining/rsna-detector to be Ready (it is Running)",
    ]);
    expect(operator.events().filter((e) => e.includes(" Reproduction/"))).toEqual([
      "Normal Pending Reproduction/rsna: 0/3 resources succeeded",
      "Normal Running Reproduction/rsna: 0/3 resources succeeded",
    ]);
    expect(await operator.settle()).toEqual([]);
  });

  it("suspended, it suspends its children, and they their running Jobs", async () => {
    await operator.apply({ kind: "Reproduction", metadata: { name: "rsna" }, spec: { mode: "Trained" } });
    await operator.settle();
    await operator.apply({
      kind: "Reproduction",
      metadata: { name: "rsna" },
      spec: { mode: "Trained", suspend: true },
    });
    await operator.settle();
    const phases = await Promise.all(
      [
        ["Reproduction", "rsna"],
        ["RoiDetectorTraining", "rsna-detector"],
        ["EngineBuild", "rsna-engine"],
        ["Submission", "rsna-submission"],
      ].map(async ([kind = "", name = ""]) => `${kind}/${name} ${(await statusOf(kind, name))?.phase}`),
    );
    expect(phases).toEqual([
      "Reproduction/rsna Suspended",
      "RoiDetectorTraining/rsna-detector Suspended",
      "EngineBuild/rsna-engine Suspended",
      "Submission/rsna-submission Suspended",
    ]);
    expect(conditions(await statusOf("Reproduction", "rsna"))).toEqual([
      "Ready=False Suspended: spec.suspend is true: its children are suspended (0/3 resources succeeded)",
      "Suspended=True Suspended: spec.suspend is true: its children are suspended (0/3 resources succeeded)",
    ]);
    expect(jobs()).toEqual([
      "rsna-detector-roidet-export-onnx.1 suspended",
      "rsna-engine-engine-export-onnx.1 suspended",
    ]);
  });
});

describe("a stage's start: its writes", () => {
  it("records a StageStarted Event per start only when config.operator.events.stageStarts is on, and no Running Event either way", async () => {
    operator = await startInMemoryOperator({ operator: { events: { stageStarts: true } } });
    await operator.apply(detector({ tensorRT: true }));
    expect(await operator.settle()).toEqual([`POST /apis/batch/v1/namespaces/ns/jobs ${EXPORT_JOB}`, STATUS]);
    await operator.jobEnds(EXPORT_JOB, 0, { stage: "export-onnx" });
    await operator.settle();
    await operator.jobEnds(ENGINE_JOB, 0, { stage: "build-engine" });
    await operator.settle();
    expect(operator.events()).toEqual([
      `Normal StageStarted ${DETECTOR}/det: stage export-onnx started as Job ${EXPORT_JOB}`,
      `Normal StageStarted ${DETECTOR}/det: stage build-engine started as Job ${ENGINE_JOB}`,
      `Normal Succeeded ${DETECTOR}/det: all 2 stages succeeded`,
    ]);
  });

  it("creates a request ConfigMap before the Job only for requests over 32 KiB, and the Job mounts it", async () => {
    operator = await startInMemoryOperator();
    await operator.apply(detector());
    await operator.settle();
    await operator.jobEnds(EXPORT_JOB, 0, { stage: "export-onnx" });
    await operator.settle();
    // 100 shards of prepare-dataset: every pod would carry all 100 requests, over 32 KiB in all.
    await operator.apply({
      kind: "ClassificationDataset",
      metadata: { name: "data" },
      spec: { detector: { name: "det" }, shards: 100 },
    });
    const writes = await operator.settle();
    const status = await statusOf("ClassificationDataset", "data");
    const stage = status?.stages?.find((s) => s.phase === "Running");
    const configMap = `${stage?.jobName}-${stage?.requestDigest?.slice(0, 10)}`;
    expect(writes).toEqual([
      `POST /api/v1/namespaces/ns/configmaps ${configMap}`,
      `POST /apis/batch/v1/namespaces/ns/jobs ${stage?.jobName}`,
      "PATCH /apis/mammoflow.io/v1alpha1/namespaces/ns/classificationdatasets/data/status",
    ]);
    const job = operator.jobs().find((j) => j.metadata.name === stage?.jobName);
    expect(job?.spec?.template.metadata?.annotations).toBeUndefined();
    expect(job?.spec?.template.spec?.volumes?.find((v) => v.name === "request")).toEqual({
      name: "request",
      configMap: { name: configMap },
    });
    const [stored] = operator.api.stored("/v1/configmaps", "ns") as unknown as { data: Record<string, string> }[];
    expect(Object.keys(stored?.data ?? {})).toHaveLength(100);
    expect(JSON.parse(stored?.data["request-99.json"] ?? "{}").shard).toEqual({ index: 99, count: 100 });
  });
});
