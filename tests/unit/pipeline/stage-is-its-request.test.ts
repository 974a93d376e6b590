// A stage is its request (issue 14, point 1): an edit makes new requests for exactly the stages
// whose work changed and those downstream of them; those run again, their Jobs of the old request
// go first, and every other stage keeps what it did.
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../jobs/contract/canonical-json.ts";
import { ClassificationDatasetSpec, RoiDetectorTrainingSpec } from "../../../operator/api/index.ts";
import { dependencyStageDigests } from "../../../operator/controllers/dependency-views.ts";
import {
  buildRequestConfigMap,
  buildStageJob,
  type StageJobInput,
} from "../../../operator/executors/kubernetes/job.ts";
import { observeJob } from "../../../operator/executors/kubernetes/observe.ts";
import type { StageObservation } from "../../../operator/pipeline/observation.ts";
import { planStages } from "../../../operator/pipeline/plan.ts";
import { stageRequests } from "../../../operator/pipeline/request.ts";
import { linkInputDigests, stageDigest } from "../../../operator/pipeline/request-digest.ts";
import type { DependencyView, ResourceId, StagePlan } from "../../../operator/pipeline/stage-plan.ts";
import { type Decision, decideStatus, type ResourceStatus } from "../../../operator/pipeline/status.ts";
import { makeJobObject, makeObservation, makePlan, parseConfigForTest } from "../../support/operator-builders.ts";

const T1 = "2026-01-01T01:00:00.000Z";
const LATER = "2026-01-03T00:00:00.000Z";
const dir = (id: string) => `runs/ns/RoiDetectorTraining/d/${id}`;

/** roi-dataset → train-detector → export-onnx, each reading the folder of the one before. */
function detectorPlans(epochs = 400): StagePlan[] {
  return linkInputDigests(
    [
      makePlan("roi-dataset", "roi-dataset").outputDir(dir("roi-dataset")).input("labels", "assets/labels").obj(),
      makePlan("train-detector", "train-detector")
        .gpu(1)
        .outputDir(dir("train-detector"))
        .input("roiDataset", dir("roi-dataset"))
        .parameters({ training: { epochs } })
        .obj(),
      makePlan("export-onnx", "export-onnx")
        .outputDir(dir("export-onnx"))
        .input("checkpoint", dir("train-detector"))
        .obj(),
    ],
    [],
  );
}

/** What each stage's Job shows: succeeded (or `phase`) for the request of `plans`. */
function ran(plans: StagePlan[], phase: StageObservation["phase"] = "Succeeded"): Record<string, StageObservation> {
  return Object.fromEntries(plans.map((p) => [p.id, makeObservation(phase, p.stage).ranRequestOf(p).obj()]));
}

function step(
  previous: ResourceStatus | undefined,
  now: {
    plans: StagePlan[];
    generation: number;
    observations?: Record<string, StageObservation>;
    leaving?: string[];
  },
): Decision {
  return decideStatus({
    generation: now.generation,
    now: LATER,
    previous,
    plans: now.plans,
    observations: now.observations ?? {},
    ...(now.leaving ? { leaving: now.leaving } : {}),
  });
}

const phases = (d: Decision) => d.status.stages?.map((s) => [s.name, s.phase]);
const finished = () =>
  decideStatus({
    generation: 1,
    now: T1,
    previous: undefined,
    plans: detectorPlans(),
    observations: ran(detectorPlans()),
  }).status;

describe("a stage's request", () => {
  it("does not carry the resource's generation: an edit elsewhere leaves it byte for byte as it was", () => {
    const plan = detectorPlans()[1] as StagePlan;
    const owner = (generation: number): ResourceId => ({
      kind: "RoiDetectorTraining",
      namespace: "ns",
      name: "d",
      generation,
    });
    expect(canonicalJson(stageRequests(owner(2), plan))).toBe(canonicalJson(stageRequests(owner(1), plan)));
    expect(stageRequests(owner(2), plan)[0]?.owner).toEqual({
      kind: "RoiDetectorTraining",
      namespace: "ns",
      name: "d",
    });
  });

  it("names the digest of the stage that wrote each of its inputs, so an edit reaches everything downstream", () => {
    const before = planStages(
      { kind: "RoiDetectorTraining", namespace: "ns", name: "d" },
      RoiDetectorTrainingSpec.parse({ source: "Train" }),
      { dependencies: [], gpuType: "a100" },
    );
    const after = planStages(
      { kind: "RoiDetectorTraining", namespace: "ns", name: "d" },
      RoiDetectorTrainingSpec.parse({ source: "Train", training: { epochs: 300 } }),
      { dependencies: [], gpuType: "a100" },
    );
    expect(after[2]?.inputDigests).toEqual({ checkpoint: stageDigest(after[1] as StagePlan) });
    expect(
      stageRequests({ kind: "RoiDetectorTraining", namespace: "ns", name: "d" }, after[2] as StagePlan)[0],
    ).toMatchObject({ inputDigests: { checkpoint: stageDigest(after[1] as StagePlan) } });
    // roi-dataset is untouched; train-detector's parameters changed; export-onnx reads its folder.
    expect(after.map((p, i) => stageDigest(p) === stageDigest(before[i] as StagePlan))).toEqual([true, false, false]);
  });

  it("changes with a dependency's re-made stage, not with where the pods run", () => {
    const detector = (digest: string): DependencyView => ({
      role: "detector",
      kind: "RoiDetectorTraining",
      name: "d",
      phase: "Succeeded",
      ready: true,
      stageDirs: { "export-onnx": dir("export-onnx") },
      stageDigests: { "export-onnx": digest },
    });
    const plan = (digest: string, gpus: number) =>
      planStages(
        { kind: "ClassificationDataset", namespace: "ns", name: "data" },
        ClassificationDatasetSpec.parse({
          detector: { name: "d" },
          datasets: [{ name: "rsna-breast-cancer-detection" }],
          placement: { gpusPerPod: gpus },
        }),
        { dependencies: [detector(digest)], gpuType: "a100" },
      ).map(stageDigest);
    const one = plan("1".repeat(64), 1);
    expect(plan("1".repeat(64), 2)).toEqual(one);
    const remade = plan("2".repeat(64), 1);
    expect(remade[0]).not.toBe(one[0]);
    // cv-split reads prepare-dataset's folder: downstream of the re-made detector as well.
    expect(remade[1]).not.toBe(one[1]);
  });
});

describe("an edit", () => {
  it("re-runs exactly the stages whose requests changed and everything downstream, keeping the others", () => {
    const status = finished();
    expect(status.phase).toBe("Succeeded");
    // The Jobs are gone (TTL): only the recorded digests tell that the requests changed.
    const edited = step(status, { plans: detectorPlans(300), generation: 2 });
    expect(edited.start?.id).toBe("train-detector");
    expect(phases(edited)).toEqual([
      ["roi-dataset", "Succeeded"],
      ["train-detector", "Pending"],
      ["export-onnx", "Pending"],
    ]);
    expect(edited.status.phase).toBe("Running");
    expect(edited.status.finishedAt).toBeUndefined();
    expect(edited.status.artifacts ?? []).toEqual([]);
  });

  it("is reported as observed only with the stages of the new requests", () => {
    const edited = step(finished(), { plans: detectorPlans(300), generation: 2 });
    expect(edited.status.observedGeneration).toBe(2);
    expect(edited.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      observedGeneration: 2,
    });
    expect(edited.status.stages?.map((s) => s.requestDigest)).toEqual(detectorPlans(300).map(stageDigest));
  });

  it("that changes no stage's request keeps every finished stage and needs no Job", () => {
    const status = finished();
    const edited = step(status, { plans: detectorPlans(), generation: 2 });
    expect(edited.start).toBeUndefined();
    expect(edited.supersede).toBeUndefined();
    expect(edited.status).toEqual({
      ...status,
      observedGeneration: 2,
      conditions: status.conditions?.map((c) => ({ ...c, observedGeneration: 2 })),
    });
  });

  it("deletes the finished Jobs of the old requests instead of taking them for the new ones, then starts", () => {
    const old = detectorPlans();
    const edited = step(finished(), { plans: detectorPlans(300), generation: 2, observations: ran(old) });
    expect(edited.supersede).toEqual(["train-detector", "export-onnx"]);
    expect(edited.start).toBeUndefined();
    expect(phases(edited)).toEqual([
      ["roi-dataset", "Succeeded"],
      ["train-detector", "Pending"],
      ["export-onnx", "Pending"],
    ]);
    expect(edited.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ReplacingStage",
    });

    // Deleting: the Jobs hold their names (and maybe pods) a while longer.
    const deleting = step(edited.status, {
      plans: detectorPlans(300),
      generation: 2,
      observations: { "roi-dataset": ran(old)["roi-dataset"] as StageObservation },
      leaving: ["train-detector", "export-onnx"],
    });
    expect(deleting.start).toBeUndefined();
    expect(deleting.supersede).toBeUndefined();

    const gone = step(deleting.status, { plans: detectorPlans(300), generation: 2 });
    expect(gone.start?.id).toBe("train-detector");
  });

  it("deletes a running Job of the old request, and nothing starts while it runs", () => {
    const old = detectorPlans();
    const running = {
      ...ran(old.slice(0, 1)),
      "train-detector": makeObservation("Running", "train-detector")
        .ranRequestOf(old[1] as StagePlan)
        .obj(),
    };
    const before = step(undefined, { plans: old, generation: 1, observations: running });
    expect(before.status.phase).toBe("Running");
    const edited = step(before.status, { plans: detectorPlans(300), generation: 2, observations: running });
    expect(edited.supersede).toEqual(["train-detector"]);
    expect(edited.start).toBeUndefined();
    expect(edited.status.stages?.[1]).toMatchObject({
      phase: "Pending",
      requestDigest: stageDigest(detectorPlans(300)[1] as StagePlan),
    });
  });

  it("runs a failed stage again when its request changed, without a retry", () => {
    const old = detectorPlans();
    const failed = step(undefined, {
      plans: old,
      generation: 1,
      observations: {
        ...ran(old.slice(0, 1)),
        "train-detector": makeObservation("Failed", "train-detector")
          .reason("BackoffLimitExceeded", "out of memory")
          .ranRequestOf(old[1] as StagePlan)
          .obj(),
      },
    }).status;
    expect(failed.phase).toBe("Failed");
    // Its Job was deleted after the TTL; the status alone remembers the failure.
    expect(step(failed, { plans: old, generation: 1 }).start).toBeUndefined();
    const edited = step(failed, { plans: detectorPlans(300), generation: 2 });
    expect(edited.start?.id).toBe("train-detector");
    expect(edited.status.phase).toBe("Running");
    expect(edited.status.conditions?.map((c) => c.type)).toEqual(["Blocked", "Ready"]);
  });

  it("marks the digests it records for stages from before digests as adopted, which dependants leave out", () => {
    const plans = detectorPlans();
    const legacy = finished();
    legacy.stages = legacy.stages?.map(({ requestDigest: _digest, ...s }) => s);
    const next = step(legacy, { plans, generation: 1 });
    expect(next.start).toBeUndefined();
    expect(next.status.stages?.map((s) => [s.name, s.requestDigest, s.requestDigestAdopted])).toEqual(
      plans.map((p) => [p.id, stageDigest(p), true]),
    );
    // A dataset planned on the detector before and after it adopted its digests: the same requests.
    expect(dependencyStageDigests(next.status.stages ?? [])).toEqual({});
    expect(dependencyStageDigests(legacy.stages ?? [])).toEqual({});
    // Once recorded, an adopted digest stays adopted; a stage that really ran counts.
    const again = step(next.status, { plans, generation: 1 });
    expect(again.status.stages?.every((s) => s.requestDigestAdopted)).toBe(true);
    expect(Object.keys(dependencyStageDigests(finished().stages ?? []))).toEqual(plans.map((p) => p.id));
  });

  it("keeps stages and Jobs from before digests were recorded as the request the status states", () => {
    const plans = detectorPlans();
    const legacy = finished();
    legacy.stages = legacy.stages?.map(({ requestDigest: _digest, ...s }) => s);
    const unlabelled = Object.fromEntries(
      Object.entries(ran(plans)).map(([id, o]) => [id, { ...o, requestDigest: undefined }]),
    ) as Record<string, StageObservation>;
    const next = step(legacy, { plans, generation: 1, observations: unlabelled });
    expect(next.supersede).toBeUndefined();
    expect(next.start).toBeUndefined();
    expect(next.status.phase).toBe("Succeeded");
  });
});

describe("a stage's Kubernetes objects", () => {
  const owner = {
    apiVersion: "mammoflow.io/v1alpha1",
    kind: "RoiDetectorTraining",
    name: "d",
    namespace: "ns",
    uid: "u",
  };
  const input = (plan: StagePlan, name = "d"): StageJobInput => ({
    owner: { ...owner, name },
    plan,
    requests: stageRequests({ kind: owner.kind, namespace: "ns", name }, plan),
    config: parseConfigForTest(),
  });

  it("carry a new request in the new Job's pod template, or, when large, in a new immutable ConfigMap named by its digest within 63 characters", () => {
    const [, before] = detectorPlans();
    const [, after] = detectorPlans(300);
    const annotations = (plan: StagePlan) => buildStageJob(input(plan)).spec?.template.metadata?.annotations;
    expect(annotations(after as StagePlan)).not.toEqual(annotations(before as StagePlan));
    const large = (plan: StagePlan): StagePlan => ({
      ...plan,
      parameters: { ...plan.parameters, notes: "n".repeat(40_000) },
    });
    for (const name of ["d", "x".repeat(60)]) {
      const old = buildRequestConfigMap(input(large(before as StagePlan), name));
      const edited = buildRequestConfigMap(input(large(after as StagePlan), name));
      expect(edited.metadata?.name).not.toBe(old.metadata?.name);
      expect(edited.metadata?.name?.length).toBeLessThanOrEqual(63);
      expect(edited.immutable).toBe(true);
      expect(buildStageJob(input(large(after as StagePlan), name)).spec?.template.spec?.volumes).toContainEqual({
        name: "request",
        configMap: { name: edited.metadata?.name },
      });
    }
    expect(buildRequestConfigMap(input(large(after as StagePlan))).metadata?.name).toBe(
      `d-roidet-train-detector-${stageDigest(large(after as StagePlan)).slice(0, 10)}`,
    );
  });

  it("say which request a Job runs, and observing the Job tells it", () => {
    const plan = detectorPlans()[1] as StagePlan;
    const job = buildStageJob(input(plan));
    expect(job.metadata?.annotations).toEqual({ "mammoflow.io/request-digest": stageDigest(plan) });
    const observed = observeJob(makeJobObject("d-roidet-train-detector").runs(plan).complete().obj(), []);
    expect(observed.requestDigest).toBe(stageDigest(plan));
  });
});
