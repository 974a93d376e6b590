import { describe, expect, it } from "vitest";
import { kindByName, ReproductionSpec, SEED_CANDIDATE_EPOCHS } from "../../../operator/api/index.ts";
import {
  reproductionArtifacts,
  reproductionChildren,
  summarizeChildren,
} from "../../../operator/pipeline/reproduction.ts";
import { makeReproduction, makeTrainingStage } from "../../support/reproduction-builder.ts";

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

describe("a reproduction's folds and its engine's candidates", () => {
  const expand = (spec: Record<string, unknown>) => reproductionChildren("ns", "r", ReproductionSpec.parse(spec));
  const engineOf = (spec: Record<string, unknown>) => {
    const engine = expand(spec).find((c) => c.kind === "EngineBuild");
    return engine?.spec as { folds: { name: string }[]; selection: { candidates: unknown } };
  };

  it("keeps the seed's candidate epochs for the seed's four folds on the seed's schedule", () => {
    expect(engineOf(makeReproduction("PartialReproduce").obj()).selection.candidates).toEqual(SEED_CANDIDATE_EPOCHS);
  });

  it("selects among every fold's last checkpoint when the fold count is not the seed's", () => {
    // Fold 2's seed run has 30 cosine epochs, every other fold's last run 16.
    const three = engineOf(makeReproduction("PartialReproduce").folds(3).obj());
    expect(three.folds.map((f) => f.name)).toEqual(["r-fold-0", "r-fold-1", "r-fold-2"]);
    expect(three.selection.candidates).toEqual([
      { fold: 0, epochs: [16] },
      { fold: 1, epochs: [16] },
      { fold: 2, epochs: [30] },
    ]);
    const five = engineOf(makeReproduction("FullReproduce").folds(5).obj());
    expect(five.selection.candidates).toEqual([
      { fold: 0, epochs: [16] },
      { fold: 1, epochs: [16] },
      { fold: 2, epochs: [30] },
      { fold: 3, epochs: [30] },
      { fold: 4, epochs: [16] },
    ]);
  });

  it("gives every fold the reproduction's stages and selects within them", () => {
    const stage = makeTrainingStage({ epochs: 2 });
    const spec = makeReproduction("PartialReproduce").folds(2).stages(stage).precomputedEpochs(3).obj();
    const children = expand(spec);
    const folds = children.filter((c) => c.kind === "ClassifierFold");
    expect(folds.map((f) => f.spec.stages)).toEqual([[stage], [stage]]);
    expect(engineOf(spec).selection.candidates).toEqual([
      { fold: 0, epochs: [2] },
      { fold: 1, epochs: [2] },
    ]);
    // Without stages a fold keeps the seed's schedule (the field stays absent).
    expect(expand(makeReproduction("PartialReproduce").obj())[2]?.spec).not.toHaveProperty("stages");
  });

  it("passes given candidates through unchanged", () => {
    const spec = makeReproduction("PartialReproduce")
      .folds(2)
      .candidates({ fold: 0, epochs: [10, 11] }, { fold: 1, epochs: [9.5] })
      .obj();
    expect(engineOf(spec).selection.candidates).toEqual([
      { fold: 0, epochs: [10, 11] },
      { fold: 1, epochs: [9.5] },
    ]);
  });

  for (const [label, spec] of [
    ["three folds", makeReproduction("PartialReproduce").folds(3).obj()],
    ["five folds", makeReproduction("FullReproduce").folds(5).obj()],
    [
      "a toy schedule",
      makeReproduction("FullReproduce")
        .folds(2)
        .stages(makeTrainingStage({ epochs: 1, warmupEpochs: 0 }))
        .precomputedEpochs(2)
        .obj(),
    ],
    ["the seed's run", makeReproduction("FullReproduce").obj()],
    ["Trained", makeReproduction("Trained").obj()],
  ] as const) {
    it(`creates only children their own kinds accept: ${label}`, () => {
      for (const child of expand(spec)) {
        const parsed = kindByName(child.kind)?.spec.safeParse(child.spec);
        expect(parsed?.error?.issues ?? [], `${child.kind}/${child.metadata.name}`).toEqual([]);
      }
    });
  }
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
