import { describe, expect, it } from "vitest";
import { dependenciesOf, firstBlocker } from "../../../operator/pipeline/dependencies.ts";

const view = (role: string, kind: string, name: string, phase?: string, ready = false) => ({
  role,
  kind,
  name,
  ...(phase ? { phase } : {}),
  ready,
  stageDirs: {},
});

describe("dependenciesOf", () => {
  it("names each kind's inputs with their roles", () => {
    expect(dependenciesOf("ClassificationDataset", { detector: { name: "d" } })).toEqual([
      { role: "detector", kind: "RoiDetectorTraining", name: "d" },
    ]);
    const folds = ["a", "b", "c", "d"].map((name) => ({ name }));
    expect(dependenciesOf("EngineBuild", { source: "Folds", folds })).toEqual([
      { role: "fold0", kind: "ClassifierFold", name: "a" },
      { role: "fold1", kind: "ClassifierFold", name: "b" },
      { role: "fold2", kind: "ClassifierFold", name: "c" },
      { role: "fold3", kind: "ClassifierFold", name: "d" },
    ]);
    expect(dependenciesOf("EngineBuild", { source: "Trained", folds: [{ name: "a" }] })).toEqual([]);
    expect(dependenciesOf("Submission", { detector: { name: "d" }, engine: { name: "e" } }).map((d) => d.role)).toEqual(
      ["detector", "engine"],
    );
    expect(dependenciesOf("RoiDetectorTraining", { source: "Train" })).toEqual([]);
  });

  it("finds none in a spec the schema refuses (two folds against the default four-fold candidates)", () => {
    expect(dependenciesOf("EngineBuild", { source: "Folds", folds: [{ name: "a" }, { name: "b" }] })).toEqual([]);
  });
});

describe("firstBlocker", () => {
  it("explains the first input that is not Ready", () => {
    expect(firstBlocker([view("detector", "RoiDetectorTraining", "d", "Succeeded", true)])).toBeUndefined();
    expect(firstBlocker([view("fold1", "ClassifierFold", "f1")])).toEqual({
      reason: "WaitingForFold",
      message: "waiting for ClassifierFold/f1, which does not exist yet",
    });
    expect(firstBlocker([view("engine", "EngineBuild", "e", "Failed")])).toEqual({
      reason: "EngineFailed",
      message: "EngineBuild/e failed; this resource cannot start until it is fixed",
    });
    expect(firstBlocker([view("dataset", "ClassificationDataset", "x", "Running")])).toEqual({
      reason: "WaitingForDataset",
      message: "waiting for ClassificationDataset/x to be Ready (it is Running)",
    });
  });
});
