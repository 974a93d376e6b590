import { describe, expect, it } from "vitest";
import type { RequiredInput } from "../../../jobs/contract/missing-inputs.ts";
import {
  decidePreflight,
  isFirstStart,
  preflightPlan,
  unplannedPreflight,
} from "../../../operator/pipeline/input-preflight.ts";
import { makeObservation } from "../../support/operator-builders.ts";
import { resourceId } from "../../support/plan-context.ts";

const FOLD = resourceId("ClassifierFold", "f0");
const IMAGES = "datasets/crops";
const WEIGHTS = "assets/public_pretrains/convnext.safetensors";
const REQUIRED: RequiredInput[] = [
  { path: IMAGES, reader: "ClassifierFold/f0 train-fold-1", field: "inputs.images" },
  {
    path: WEIGHTS,
    reader: "ClassifierFold/f0 train-fold-1",
    field: "parameters.model.pretrained",
    manifestField: "ClassifierFold/f0 spec.model.pretrained",
  },
];
const plan = preflightPlan(FOLD, REQUIRED, undefined, "a100");

describe("the input preflight's plan", () => {
  it("is a one-pod CPU stage in the resource's folder, named by a digest of the list and the recheck value", () => {
    expect(plan).toMatchObject({ stage: "check-inputs", shards: 1, gpusPerPod: 0, gpuPool: "a100", inputs: {} });
    expect(plan.parameters).toEqual({ required: REQUIRED });
    expect(plan.id).toMatch(/^check-inputs-[0-9a-f]{10}$/);
    expect(plan.outputDir).toBe(`runs/ns/ClassifierFold/f0/${plan.id}`);
    // The same spec is checked once; another recheck value or another list is a new look.
    expect(preflightPlan(FOLD, REQUIRED, undefined, "a100").id).toBe(plan.id);
    const ids = new Set([
      plan.id,
      preflightPlan(FOLD, REQUIRED, "1", "a100").id,
      preflightPlan(FOLD, REQUIRED, "2", "a100").id,
      preflightPlan(FOLD, REQUIRED.slice(1), undefined, "a100").id,
    ]);
    expect(ids.size).toBe(4);
  });

  it("comes before a start only while no stage of the plan has run", () => {
    expect(isFirstStart([{ phase: "Pending" }, { phase: "Pending" }])).toBe(true);
    expect(isFirstStart([{ phase: "Succeeded" }, { phase: "Pending" }])).toBe(false);
    expect(isFirstStart([{ phase: "Failed" }])).toBe(false);
  });
});

describe("what the preflight decides", () => {
  it("starts its Job when it has none, and waits (CheckingInputs) while it runs, saying what its pod waits for", () => {
    expect(decidePreflight(plan, REQUIRED, undefined)).toEqual({
      start: true,
      blocker: {
        reason: "CheckingInputs",
        message: `checking that the 2 path(s) its stages read are on the storage volume before the first starts (Job ${plan.id})`,
      },
    });
    const pending = makeObservation("Running", "check-inputs")
      .reason("ContainerCreating", "volume data not mounted")
      .obj();
    expect(decidePreflight(plan, REQUIRED, pending)).toEqual({
      blocker: {
        reason: "CheckingInputs",
        message:
          "checking that the 2 path(s) its stages read are on the storage volume before the first starts (Job job-check-inputs) (ContainerCreating: volume data not mounted)",
      },
    });
  });

  it("lets the stage start when nothing is missing", () => {
    expect(
      decidePreflight(plan, REQUIRED, makeObservation("Succeeded", "check-inputs").foundMissing(2, []).obj()),
    ).toEqual({});
  });

  it("holds the resource InputsMissing, a line per path with its readers and manifest field, and lists the paths", () => {
    const found = makeObservation("Succeeded", "check-inputs").foundMissing(2, [IMAGES, WEIGHTS]).obj();
    expect(decidePreflight(plan, REQUIRED, found)).toEqual({
      blocker: {
        reason: "InputsMissing",
        message: [
          "2 input(s) missing on the storage volume, so no stage started (found by Job job-check-inputs):",
          "  datasets/crops: read by ClassifierFold/f0 train-fold-1 (inputs.images)",
          "  assets/public_pretrains/convnext.safetensors: read by ClassifierFold/f0 train-fold-1 (parameters.model.pretrained); named by ClassifierFold/f0 spec.model.pretrained; put it there or change that field",
          "After putting them there, set the mammoflow.io/recheck annotation to a new value to check again.",
        ].join("\n"),
        missingInputs: [IMAGES, WEIGHTS],
      },
    });
  });

  it("says how many more are missing than the termination message had room for, and where all are listed", () => {
    const found = makeObservation("Succeeded", "check-inputs").foundMissing(2, [IMAGES, WEIGHTS], 1).obj();
    const { blocker } = decidePreflight(plan, REQUIRED, found);
    expect(blocker?.message.split("\n").slice(1, 3)).toEqual([
      "  datasets/crops: read by ClassifierFold/f0 train-fold-1 (inputs.images)",
      `  … and 1 more: runs/ns/ClassifierFold/f0/${plan.id}/result.json on the volume lists them all`,
    ]);
    expect(blocker?.missingInputs).toEqual([IMAGES]);
  });

  it("names at most 50 paths in its message and lists at most 256 (the CRD's limits), saying how many more", () => {
    const paths = Array.from({ length: 300 }, (_, i) => `datasets/crops/${i}.png`);
    const required = paths.map((path) => ({ path, reader: "ClassifierFold/f0 train-fold-1", field: "inputs.images" }));
    const many = preflightPlan(FOLD, required, undefined, "a100");
    const found = makeObservation("Succeeded", "check-inputs").foundMissing(400, paths).obj();
    const { blocker } = decidePreflight(many, required, found);
    const lines = blocker?.message.split("\n") ?? [];
    expect(lines).toHaveLength(53);
    expect(lines[0]).toBe(
      "300 input(s) missing on the storage volume, so no stage started (found by Job job-check-inputs):",
    );
    expect(lines[50]).toBe("  datasets/crops/49.png: read by ClassifierFold/f0 train-fold-1 (inputs.images)");
    expect(lines[51]).toBe(
      `  … and 250 more: runs/ns/ClassifierFold/f0/${many.id}/result.json on the volume lists them all`,
    );
    expect(blocker?.missingInputs).toEqual(paths.slice(0, 256));
  });

  it("never passes a preflight that could not look: a failed Job, or one that ended without a check-inputs result", () => {
    const failed = makeObservation("Failed", "check-inputs")
      .reason("DeadlineExceeded", "Job was active longer than specified deadline")
      .obj();
    failed.results = [];
    expect(decidePreflight(plan, REQUIRED, failed).blocker).toEqual({
      reason: "InputPreflightFailed",
      message:
        "the input preflight (Job job-check-inputs) could not look at the storage volume, so no stage started: DeadlineExceeded: Job was active longer than specified deadline. Fix what it says (e.g. the volume claim config.storage.claimName, the stage image), then set the mammoflow.io/recheck annotation to a new value to check again; config.operator.inputPreflight: false turns the preflight off",
    });
    const silent = makeObservation("Succeeded", "check-inputs").obj();
    silent.results = [];
    expect(decidePreflight(plan, REQUIRED, silent).blocker?.message).toContain(
      "so no stage started: it ended without a check-inputs result (is the stage image older than the operator?)",
    );
    // termination.ts's fallback when even the count would not fit: stage and outcome, no metrics.
    const cut = makeObservation("Succeeded", "check-inputs").obj();
    for (const r of cut.results) r.result = { stage: "check-inputs", outcome: "Succeeded", truncated: true } as never;
    const { blocker } = decidePreflight(plan, REQUIRED, cut);
    expect(blocker?.reason).toBe("InputPreflightFailed");
    expect(blocker?.message).toContain(
      "so no stage started: its result has no count of missing paths (metrics.inputsMissing; a termination message cut short?).",
    );
  });

  it("holds a Reproduction whose children's stages cannot be listed, as its children do not look themselves", () => {
    expect(unplannedPreflight("fold 2 has no training stage")).toEqual({
      reason: "InputPreflightFailed",
      message:
        "the input preflight could not list the files its children's stages read, so no child started: fold 2 has no training stage. Its children do not look themselves: fix the spec (a change looks again); config.operator.inputPreflight: false turns the preflight off",
    });
  });
});
