import { describe, expect, it } from "vitest";
import { kindByName } from "../../../operator/api/index.ts";
import { structuralSchemaOf } from "../../../operator/codegen/structural-schema.ts";
import { applyDefaults, evaluateRules } from "../../support/api-server-semantics.ts";

// Each case: a spec, and the rule message that must refuse it (undefined: accepted). The same
// spec goes through zod and through the generated CEL rules after API-server defaulting; both
// must reach the same verdict with the same message.
const cases: { kind: string; spec: Record<string, unknown>; refusedWith?: string }[] = [
  { kind: "RoiDetectorTraining", spec: { checkpoint: "assets/trained/yolox.pth" } },
  { kind: "RoiDetectorTraining", spec: {}, refusedWith: "a Trained detector needs spec.checkpoint" },
  { kind: "RoiDetectorTraining", spec: { source: "Train" } },
  {
    kind: "RoiDetectorTraining",
    spec: { checkpoint: "/etc/passwd" },
    refusedWith: "must be relative to the storage root",
  },
  { kind: "RoiDetectorTraining", spec: { checkpoint: "assets/../../x" }, refusedWith: "must not contain '..'" },
  { kind: "RoiDetectorTraining", spec: { checkpoint: "assets/..hidden/x.pth" } },
  { kind: "ClassifierFold", spec: { dataset: { name: "d" }, fold: 3 } },
  {
    kind: "ClassifierFold",
    spec: { dataset: { name: "d" }, fold: 4 },
    refusedWith: "fold must be smaller than numFolds",
  },
  { kind: "ClassifierFold", spec: { dataset: { name: "d" }, fold: 4, numFolds: 5 } },
  {
    kind: "ClassifierFold",
    spec: {
      dataset: { name: "d" },
      fold: 0,
      stages: [{ init: "PreviousStage", lr: 1e-3, minLr: 0, warmupLr: 0, epochs: 4, warmupEpochs: 1, smoothing: 0 }],
    },
    refusedWith: "the first training stage has no previous stage: it starts from ImageNet (or Random) weights",
  },
  {
    kind: "ClassifierFold",
    spec: {
      dataset: { name: "d" },
      fold: 0,
      stages: [{ init: "ImageNet", lr: 1e-3, minLr: 0, warmupLr: 0, epochs: 4, warmupEpochs: 4, smoothing: 0 }],
    },
    refusedWith: "warmupEpochs must be smaller than epochs",
  },
  {
    kind: "ClassifierFold",
    spec: {
      dataset: { name: "d" },
      fold: 0,
      stages: [{ init: "ImageNet", lr: 1e-3, minLr: 2e-3, warmupLr: 0, epochs: 4, warmupEpochs: 1, smoothing: 0 }],
    },
    refusedWith: "minLr must not exceed lr",
  },
  {
    kind: "EngineBuild",
    spec: {},
    refusedWith: "an EngineBuild with source Folds needs at least one entry in spec.folds",
  },
  {
    kind: "EngineBuild",
    spec: { folds: [] },
    refusedWith: "an EngineBuild with source Folds needs at least one entry",
  },
  { kind: "EngineBuild", spec: { source: "Trained" } },
  {
    kind: "EngineBuild",
    spec: { source: "Trained", export: { minBatch: 2, optBatch: 1, maxBatch: 2 } },
    refusedWith: "batch sizes must satisfy minBatch <= optBatch <= maxBatch",
  },
  { kind: "Reproduction", spec: { trainedAssets: "../weights" }, refusedWith: "must not contain '..'" },
  { kind: "Reproduction", spec: { mode: "FullReproduce" } },
];

describe("CEL rules and zod refinements agree", () => {
  for (const { kind, spec, refusedWith } of cases) {
    it(`${kind} ${JSON.stringify(spec)} is ${refusedWith ? "refused" : "accepted"}`, () => {
      const definition = kindByName(kind);
      if (!definition) throw new Error(`unknown kind ${kind}`);
      const zodResult = definition.spec.safeParse(spec);
      const schema = structuralSchemaOf(definition.spec);
      const failedRules = evaluateRules(schema, applyDefaults(schema, spec)).filter((o) => !o.holds);
      if (refusedWith) {
        expect(zodResult.success).toBe(false);
        expect(zodResult.error?.issues.map((i) => i.message).join("\n")).toContain(refusedWith);
        expect(failedRules.map((r) => r.message).join("\n")).toContain(refusedWith);
      } else {
        expect(zodResult.error?.issues ?? []).toEqual([]);
        expect(failedRules).toEqual([]);
      }
    });
  }

  it("zod reports the field an invariant is about", () => {
    const result = kindByName("ClassifierFold")?.spec.safeParse({ dataset: { name: "d" }, fold: 7 });
    expect(result?.error?.issues).toEqual([
      expect.objectContaining({ path: ["fold"], message: "fold must be smaller than numFolds" }),
    ]);
  });
});
