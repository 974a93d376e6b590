import { describe, expect, it } from "vitest";
import { ALL_KINDS } from "../../../operator/api/index.ts";
import { dependantKinds, KINDS, registeredKind, STAGE_KINDS } from "../../../operator/pipeline/registry.ts";

describe("the registry of kinds", () => {
  it("registers every kind of the API once, in the API's pipeline order", () => {
    expect(KINDS.map((k) => k.kind)).toEqual(ALL_KINDS.map((k) => k.kind));
  });

  it("lists a kind only after the kinds it waits for", () => {
    for (const [i, kind] of KINDS.entries()) {
      const earlier = KINDS.slice(0, i).map((k) => k.kind);
      for (const waited of kind.waitsFor) expect(earlier, `${kind.kind} waits for ${waited}`).toContain(waited);
    }
  });

  it("derives the dependants of each kind from what the kinds wait for", () => {
    expect(Object.fromEntries(KINDS.map((k) => [k.kind, dependantKinds(k.kind)]))).toEqual({
      Reproduction: [],
      RoiDetectorTraining: ["ClassificationDataset", "Submission"],
      ClassificationDataset: ["ClassifierFold"],
      ClassifierFold: ["EngineBuild"],
      EngineBuild: ["Submission"],
      Submission: [],
    });
  });

  it("takes each kind's Job short name from its CRD's first short name", () => {
    expect(Object.fromEntries(KINDS.map((k) => [k.kind, k.shortName]))).toEqual({
      Reproduction: "repro",
      RoiDetectorTraining: "roidet",
      ClassificationDataset: "clsdata",
      ClassifierFold: "fold",
      EngineBuild: "engine",
      Submission: "subm",
    });
  });

  it("runs stages for every kind but Reproduction, which creates resources", () => {
    expect(STAGE_KINDS).toEqual([
      "RoiDetectorTraining",
      "ClassificationDataset",
      "ClassifierFold",
      "EngineBuild",
      "Submission",
    ]);
    const reading = registeredKind("Reproduction").read({});
    expect(reading.ok && reading.spec.plan).toBe(undefined);
    expect(reading.ok && reading.spec.children?.("ns", "r").map((c) => c.metadata.name)).toEqual([
      "r-detector",
      "r-engine",
      "r-submission",
    ]);
  });

  it("reads a spec once, with its defaults, or says what the schema refuses", () => {
    const reading = registeredKind("EngineBuild").read({ folds: ["a", "b", "c", "d"].map((name) => ({ name })) });
    expect(reading.ok && reading.spec.dependencies).toEqual([
      { role: "fold0", kind: "ClassifierFold", name: "a" },
      { role: "fold1", kind: "ClassifierFold", name: "b" },
      { role: "fold2", kind: "ClassifierFold", name: "c" },
      { role: "fold3", kind: "ClassifierFold", name: "d" },
    ]);
    expect(reading.ok && reading.spec.placement.gpuPool).toBe("a100");
    const refused = registeredKind("ClassifierFold").read({ dataset: { name: "d" }, fold: 4, numFolds: 4 });
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.problem).toContain("fold must be smaller than numFolds");
  });

  it("refuses an unknown kind by name", () => {
    expect(() => registeredKind("Pipeline")).toThrow(
      "unknown kind Pipeline; expected one of Reproduction, RoiDetectorTraining, ClassificationDataset, ClassifierFold, EngineBuild, Submission",
    );
  });
});
