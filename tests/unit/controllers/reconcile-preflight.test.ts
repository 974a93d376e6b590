// The input preflight over the in-memory API: before a resource's first stage (a Reproduction's
// first child) the operator starts the check-inputs Job and holds the resource Blocked until it
// says every path is there. The test plays the Job controller and the preflight's pod (its
// termination message); the operator's caches, controllers and Events are the real ones.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ResourceStatus } from "../../../operator/pipeline/status.ts";
import { type InMemoryOperator, startInMemoryOperator } from "../../support/in-memory-operator.ts";

const DETECTOR = "RoiDetectorTraining";
const CHECKPOINT = "assets/trained/det.pth";
const EXPORT_JOB = "det-roidet-export-onnx";

/** The detector "det", imported from a checkpoint, with the recheck annotation when given. */
const detector = (recheck?: string) => ({
  kind: DETECTOR,
  metadata: { name: "det", ...(recheck ? { annotations: { "mammoflow.io/recheck": recheck } } : {}) },
  spec: { source: "Trained", checkpoint: CHECKPOINT },
});

/** Conditions as "Type=Status Reason: message", in the status's order. */
const conditions = (status: ResourceStatus | undefined) =>
  (status?.conditions ?? []).map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`);

let operator: InMemoryOperator;
const statusOf = async (kind = DETECTOR, name = "det") =>
  (await operator.resource(kind, name)).status as ResourceStatus | undefined;
const jobNames = () => operator.jobs().map((j) => j.metadata.name);
/** The newest preflight Job's name. */
const preflightJob = () =>
  jobNames()
    .filter((n) => n.includes("check-inputs"))
    .at(-1) ?? "";

/** The preflight pod's finding: `missing` of the paths it looked at. */
const found = (checked: number, missing: string[]) => ({
  stage: "check-inputs",
  metrics: { inputsChecked: checked, inputsMissing: missing.length },
  problems: missing.length,
  ...(missing.length > 0 ? { findings: missing } : {}),
});

afterEach(async () => {
  await operator.stop();
});

describe("the input preflight of a stage resource", () => {
  beforeEach(async () => {
    operator = await startInMemoryOperator({ operator: { inputPreflight: true } });
  });

  it("holds the first stage until a pod on the volume finds the checkpoint, and runs after the recheck once it is there", async () => {
    await operator.apply(detector());
    await operator.settle();
    const first = preflightJob();
    expect(first).toMatch(/^det-roidet-check-inputs-[0-9a-f]{10}$/);
    expect(jobNames()).toEqual([first]);
    let status = await statusOf();
    expect(status?.phase).toBe("Blocked");
    expect(conditions(status)).toEqual([
      `Blocked=True CheckingInputs: checking that the 1 path(s) its stages read are on the storage volume before the first starts (Job ${first})`,
      `Ready=False CheckingInputs: checking that the 1 path(s) its stages read are on the storage volume before the first starts (Job ${first})`,
    ]);
    // The pod looks at the volume whatever its folder holds, and reads what the request lists.
    const [job] = operator.jobs();
    const container = job?.spec?.template.spec?.containers[0];
    expect(container?.env).toContainEqual({ name: "MAMMOFLOW_FORCE_RUN", value: "1" });
    expect(container?.command?.slice(0, 3)).toEqual(["mammoflow", "stage", "check-inputs"]);
    expect(job?.spec?.template.spec?.containers[0]?.resources?.requests).toEqual({
      cpu: "100m",
      memory: "256Mi",
      "ephemeral-storage": "64Mi",
    });
    expect(job?.spec?.activeDeadlineSeconds).toBe(900);

    await operator.jobEnds(first, 0, found(1, [CHECKPOINT]));
    await operator.settle();
    status = await statusOf();
    const missing = [
      `1 input(s) missing on the storage volume, so no stage started (found by Job ${first}):`,
      `  ${CHECKPOINT}: read by ${DETECTOR}/det export-onnx (inputs.checkpoint); named by ${DETECTOR}/det spec.checkpoint; put it there or change that field`,
      "After putting them there, set the mammoflow.io/recheck annotation to a new value to check again.",
    ].join("\n");
    expect(status?.phase).toBe("Blocked");
    expect(conditions(status)).toEqual([
      `Blocked=True InputsMissing: ${missing}`,
      `Ready=False InputsMissing: ${missing}`,
    ]);
    expect(status?.missingInputs).toEqual([CHECKPOINT]);
    expect(jobNames()).toEqual([first]);

    // A resync changes nothing: the same spec and recheck value are not checked again.
    await operator.apply(detector());
    expect(await operator.settle()).toEqual([]);

    // The user copied the checkpoint and bumps the annotation: a new look, then the first stage.
    await operator.apply(detector("1"));
    await operator.settle();
    const second = preflightJob();
    expect(second).not.toBe(first);
    expect(jobNames()).toEqual([first, second]);
    await operator.jobEnds(second, 0, found(1, []));
    await operator.settle();
    status = await statusOf();
    expect(status?.phase).toBe("Running");
    expect(status?.missingInputs).toBeUndefined();
    expect(status?.observedRecheck).toBe("1");
    expect(jobNames()).toEqual([first, second, EXPORT_JOB]);
    expect(operator.events("CheckingInputs")).toEqual([
      `Normal CheckingInputs ${DETECTOR}/det: checking 1 input path(s) on the storage volume as Job ${first}`,
      `Normal CheckingInputs ${DETECTOR}/det: checking 1 input path(s) on the storage volume as Job ${second}`,
    ]);

    // The next stage starts on what the first found: no second look.
    await operator.jobEnds(EXPORT_JOB, 0, { stage: "export-onnx" });
    await operator.settle();
    expect((await statusOf())?.phase).toBe("Succeeded");
    expect(jobNames().filter((n) => n.includes("check-inputs"))).toEqual([first, second]);
  });

  it("says when the preflight could not look (its pod failed) instead of passing, and looks again on a recheck", async () => {
    await operator.apply(detector());
    await operator.settle();
    const first = preflightJob();
    await operator.jobEnds(first, 1, {
      stage: "check-inputs",
      outcome: "Failed",
      error: { reason: "Internal", message: "EACCES: permission denied, stat '/data/assets'" },
    });
    await operator.settle();
    const status = await statusOf();
    const message = `the input preflight (Job ${first}) could not look at the storage volume, so no stage started: Internal: EACCES: permission denied, stat '/data/assets'. Fix what it says (e.g. the volume claim config.storage.claimName, the stage image), then set the mammoflow.io/recheck annotation to a new value to check again; config.operator.inputPreflight: false turns the preflight off`;
    expect(status?.phase).toBe("Blocked");
    expect(conditions(status)).toEqual([
      `Blocked=True InputPreflightFailed: ${message}`,
      `Ready=False InputPreflightFailed: ${message}`,
    ]);
    expect(jobNames()).toEqual([first]);
    await operator.apply(detector("after-the-fix"));
    await operator.settle();
    expect(jobNames()).toEqual([first, preflightJob()]);
    expect(preflightJob()).not.toBe(first);
  });

  it("waits while its finished preflight Job is being deleted (its TTL), then looks again, never reading the terminating Job", async () => {
    await operator.apply(detector());
    await operator.settle();
    const first = preflightJob();
    await operator.jobEnds(first, 0, found(1, [CHECKPOINT]));
    await operator.settle();
    expect((await statusOf())?.conditions?.[0]?.reason).toBe("InputsMissing");
    // The TTL controller deletes the Complete Job (Foreground): it stays, being deleted, a while.
    await operator.api.delete(`/apis/batch/v1/namespaces/ns/jobs/${first}`, "Foreground");
    await operator.settle({ finishDeletions: false });
    const checking = `checking that the 1 path(s) its stages read are on the storage volume before the first starts (Job ${first})`;
    expect(conditions(await statusOf())).toEqual([
      `Blocked=True CheckingInputs: ${checking}`,
      `Ready=False CheckingInputs: ${checking}`,
    ]);
    const started = `Normal CheckingInputs ${DETECTOR}/det: checking 1 input path(s) on the storage volume as Job ${first}`;
    expect(operator.events("CheckingInputs")).toEqual([started]);
    // Gone: the deletion reconciles it, and a new Job of the same name looks again.
    await operator.settle();
    expect(jobNames()).toEqual([first]);
    expect(operator.jobs()[0]?.metadata.deletionTimestamp).toBeUndefined();
    expect(operator.events("CheckingInputs")).toEqual([`${started} (x2)`]);
    expect(conditions(await statusOf())[0]).toBe(`Blocked=True CheckingInputs: ${checking}`);
    expect(
      operator.events("InputPreflightFailed", "Blocked").filter((e) => e.includes("InputPreflightFailed")),
    ).toEqual([]);
  });

  it("starts its Job once while the cache has not shown it yet", async () => {
    await operator.apply(detector());
    operator.api.deliver();
    await operator.reconcileNow(DETECTOR, "det");
    await operator.reconcileNow(DETECTOR, "det");
    await operator.settle();
    const first = preflightJob();
    expect(operator.api.writes.filter((w) => w.startsWith("POST") && w.includes("/jobs"))).toHaveLength(1);
    expect(operator.events("CheckingInputs")).toEqual([
      `Normal CheckingInputs ${DETECTOR}/det: checking 1 input path(s) on the storage volume as Job ${first}`,
    ]);
  });

  it("starts the first stage at once when config.operator.inputPreflight is false", async () => {
    await operator.stop();
    operator = await startInMemoryOperator({ operator: { inputPreflight: false } });
    await operator.apply(detector());
    await operator.settle();
    expect(jobNames()).toEqual([EXPORT_JOB]);
  });
});

describe("the input preflight of a Reproduction", () => {
  beforeEach(async () => {
    operator = await startInMemoryOperator({ operator: { inputPreflight: true } });
  });

  it("checks every child's inputs before creating the first, naming the Reproduction's fields", async () => {
    await operator.apply({ kind: "Reproduction", metadata: { name: "rsna" }, spec: { mode: "Trained" } });
    await operator.settle();
    const job = preflightJob();
    expect(job).toMatch(/^rsna-repro-check-inputs-[0-9a-f]{10}$/);
    expect(operator.names("mammoflow.io/v1alpha1/roidetectortrainings")).toEqual([]);
    // Its request travels in the Job's pod template (request-volume.ts).
    const annotations = operator.jobs().find((j) => j.metadata.name === job)?.spec?.template.metadata?.annotations;
    const request = annotations?.["request.mammoflow.io/request.json"] ?? "{}";
    const required = JSON.parse(request).parameters.required as { path: string }[];
    // The paths its children read that none of them writes: the Trained assets and the test set.
    expect([...new Set(required.map((r) => r.path))]).toEqual([
      "assets/trained/yolox_nano_416_roi_torch.pth",
      "assets/trained/best_convnext_fold_0.pth.tar",
      "assets/trained/best_convnext_fold_1.pth.tar",
      "assets/trained/best_convnext_fold_2.pth.tar",
      "assets/trained/best_convnext_fold_3.pth.tar",
      "datasets/raw/rsna-breast-cancer-detection/test.csv",
      "datasets/raw/rsna-breast-cancer-detection/test_images",
    ]);
    const images = "datasets/raw/rsna-breast-cancer-detection/test_images";
    await operator.jobEnds(job, 0, found(7, ["assets/trained/best_convnext_fold_3.pth.tar", images]));
    await operator.settle();
    const status = await statusOf("Reproduction", "rsna");
    const message = [
      `2 input(s) missing on the storage volume, so no stage started (found by Job ${job}):`,
      "  assets/trained/best_convnext_fold_3.pth.tar: read by EngineBuild/rsna-engine export-onnx (inputs.fold3); named by Reproduction/rsna spec.trainedAssets; put it there or change that field",
      `  ${images}: read by Submission/rsna-submission predict (inputs.images), Submission/rsna-submission aggregate (inputs.images); named by Reproduction/rsna spec.submission.testSet.images; put it there or change that field`,
      "After putting them there, set the mammoflow.io/recheck annotation to a new value to check again.",
    ].join("\n");
    expect(status?.phase).toBe("Blocked");
    expect(conditions(status)).toEqual([
      `Blocked=True InputsMissing: ${message}`,
      `Ready=False InputsMissing: ${message}`,
    ]);
    expect(status?.missingInputs).toEqual(["assets/trained/best_convnext_fold_3.pth.tar", images]);
    expect(operator.names("mammoflow.io/v1alpha1/roidetectortrainings")).toEqual([]);

    // Once a new look finds everything, the children are made, and they do not look again.
    await operator.apply({
      kind: "Reproduction",
      metadata: { name: "rsna", annotations: { "mammoflow.io/recheck": "1" } },
      spec: { mode: "Trained" },
    });
    await operator.settle();
    const second = preflightJob();
    await operator.jobEnds(second, 0, found(7, []));
    await operator.settle();
    expect(operator.names("mammoflow.io/v1alpha1/roidetectortrainings")).toEqual(["rsna-detector"]);
    expect((await statusOf("Reproduction", "rsna"))?.missingInputs).toBeUndefined();
    expect(jobNames()).toEqual([job, second, "rsna-detector-roidet-export-onnx", "rsna-engine-engine-export-onnx"]);
  });

  it("created suspended, checks once resumed, before its held children run", async () => {
    const trained = (suspend: boolean) => ({
      kind: "Reproduction",
      metadata: { name: "rsna" },
      spec: { mode: "Trained", suspend },
    });
    await operator.apply(trained(true));
    await operator.settle();
    // Held: its children are made suspended, nothing runs and nothing is checked yet.
    expect(operator.names("mammoflow.io/v1alpha1/roidetectortrainings")).toEqual(["rsna-detector"]);
    expect(jobNames()).toEqual([]);

    await operator.apply(trained(false));
    await operator.settle();
    const job = preflightJob();
    expect(job).toMatch(/^rsna-repro-check-inputs-[0-9a-f]{10}$/);
    expect(jobNames()).toEqual([job]);
    expect((await statusOf("Reproduction", "rsna"))?.phase).toBe("Blocked");
    expect((await operator.resource(DETECTOR, "rsna-detector")).spec).toMatchObject({ suspend: true });

    await operator.jobEnds(job, 0, found(7, []));
    await operator.settle();
    expect(jobNames()).toEqual([job, "rsna-detector-roidet-export-onnx", "rsna-engine-engine-export-onnx"]);

    // Its children under way and the preflight Job gone after its TTL: no second look.
    await operator.api.delete(`/apis/batch/v1/namespaces/ns/jobs/${job}`, "Foreground");
    await operator.settle();
    expect(jobNames()).toEqual(["rsna-detector-roidet-export-onnx", "rsna-engine-engine-export-onnx"]);
  });
});
