import { describe, expect, it } from "vitest";
import { ReproductionSpec } from "../../../operator/api/index.ts";
import {
  reproductionArtifacts,
  reproductionChildren,
  summarizeChildren,
} from "../../../operator/pipeline/reproduction.ts";

const children = (spec: Record<string, unknown>) =>
  reproductionChildren("ns", "r", ReproductionSpec.parse(spec)).map((c) => `${c.kind}/${c.metadata.name}`);

describe("reproductionChildren", () => {
  it("creates the resources each mode needs", () => {
    expect(children({})).toEqual(["RoiDetectorTraining/r-detector", "EngineBuild/r-engine", "Submission/r-submission"]);
    const retrain = [
      "RoiDetectorTraining/r-detector",
      "ClassificationDataset/r-dataset",
      "ClassifierFold/r-fold-0",
      "ClassifierFold/r-fold-1",
      "ClassifierFold/r-fold-2",
      "ClassifierFold/r-fold-3",
      "EngineBuild/r-engine",
      "Submission/r-submission",
    ];
    expect(children({ mode: "PartialReproduce" })).toEqual(retrain);
    expect(children({ mode: "FullReproduce" })).toEqual(retrain);
  });

  it("wires the children to each other and to the mode's detector source", () => {
    const full = reproductionChildren("ns", "r", ReproductionSpec.parse({ mode: "FullReproduce" }));
    expect(full[0]?.spec).toMatchObject({ source: "Train" });
    expect(full[1]?.spec).toMatchObject({ detector: { name: "r-detector" } });
    expect(full[3]?.spec).toMatchObject({ dataset: { name: "r-dataset" }, fold: 1, numFolds: 4 });
    expect(full[6]?.spec).toMatchObject({ source: "Folds", folds: [0, 1, 2, 3].map((i) => ({ name: `r-fold-${i}` })) });
    expect(full[7]?.spec).toMatchObject({ detector: { name: "r-detector" }, engine: { name: "r-engine" } });
    expect(full[7]?.metadata.labels).toEqual({ "mammoflow.io/reproduction": "r" });
    const trained = reproductionChildren("ns", "r", ReproductionSpec.parse({ trainedAssets: "w" }));
    expect(trained[0]?.spec).toMatchObject({ source: "Trained", checkpoint: "w/yolox_nano_416_roi_torch.pth" });
    expect(trained[1]?.spec).toMatchObject({
      source: "Trained",
      trainedCheckpoints: [0, 1, 2, 3].map((f) => `w/best_convnext_fold_${f}.pth.tar`),
    });
  });
});

describe("summarizeChildren", () => {
  it("fails when one child failed, succeeds when all did, runs otherwise", () => {
    expect(
      summarizeChildren([
        { kind: "A", name: "a", phase: "Succeeded" },
        { kind: "B", name: "b", phase: "Failed" },
      ]),
    ).toMatchObject({
      phase: "Failed",
      conditions: [{ type: "Failed", status: "True", reason: "ChildFailed", message: "B/b failed" }, {}, {}],
    });
    expect(summarizeChildren([{ kind: "A", name: "a", phase: "Succeeded" }]).phase).toBe("Succeeded");
    expect(
      summarizeChildren([
        { kind: "A", name: "a", phase: "Blocked" },
        { kind: "B", name: "b" },
      ]).phase,
    ).toBe("Running");
    expect(summarizeChildren([{ kind: "A", name: "a" }]).phase).toBe("Pending");
  });
});

describe("reproductionArtifacts", () => {
  it("keeps only the submission's last stage outputs", () => {
    const status = {
      stages: [{ name: "predict" }, { name: "aggregate" }],
      artifacts: [
        { name: "p.csv", path: "runs/ns/Submission/s/predict/0/p.csv" },
        { name: "submission.csv", path: "runs/ns/Submission/s/aggregate/submission.csv" },
      ],
    };
    expect(reproductionArtifacts("ns", "s", status)).toEqual([
      { name: "submission.csv", path: "runs/ns/Submission/s/aggregate/submission.csv" },
    ]);
    expect(reproductionArtifacts("ns", "s", undefined)).toEqual([]);
  });
});
