import { describe, expect, it } from "vitest";
import { kindByName, type TrainingStage } from "../../../operator/api/index.ts";
import { specVerdicts } from "../../support/api-server-semantics.ts";
import { makeReproduction, makeTrainingStage } from "../../support/reproduction-builder.ts";

const coverFolds = "engine.selection.candidates must name each fold 0 to dataset.cvSplit.folds − 1 exactly once";
const pastSchedule =
  "every epoch in engine.selection.candidates must be at most the epochs of the last classifier.stages entry";
const reproductionSampler =
  "classifier.training.sampler.precomputedEpochs must exceed the epochs of every training stage";
const foldSampler = "training.sampler.precomputedEpochs must exceed the epochs of every training stage";
const engineFolds = "spec.selection.candidates must name each fold of spec.folds";
const externalsPrepared =
  "classifier.training.externalDatasets must name only datasets of dataset.datasets other than dataset.cvSplit.dataset";
const splitPrepared = "dataset.cvSplit.dataset must be one of dataset.datasets";
const trainedFolds =
  "dataset.cvSplit.folds is not used in mode Trained: it imports the winner's 4 folds as they are (trainedAssets/best_convnext_fold_{0..3}.pth.tar); leave it at 4, or train another number of folds with mode PartialReproduce or FullReproduce";
const threeCandidates = [0, 1, 2].map((fold) => ({ fold, epochs: [2] }));
/** Fold 0's spec with one 4-epoch ImageNet training stage (1e-3 to 0, one warm-up epoch), changed by `stage`. */
const foldTraining = (stage: Partial<TrainingStage>) => ({
  dataset: { name: "d" },
  fold: 0,
  stages: [{ init: "ImageNet", lr: 1e-3, minLr: 0, warmupLr: 0, epochs: 4, warmupEpochs: 1, smoothing: 0, ...stage }],
});
const unknownArchitecture = "model.architecture must be a ConvNeXt timm builds";

// Each case: a spec, and the rule message that must refuse it (undefined: accepted). The same
// spec goes through zod and through the generated CEL rules after API-server defaulting; both
// must reach the same verdict with the same message.
const cases: { kind: string; spec: Record<string, unknown>; refusedWith?: string }[] = [
  { kind: "RoiDetectorTraining", spec: { checkpoint: "assets/trained/yolox.pth" } },
  {
    kind: "RoiDetectorTraining",
    spec: { checkpoint: "assets/trained/yolox.pth", placement: { resources: { "export-onnx": { cpu: "1" } } } },
  },
  // The operator's input preflight is no stage a resource runs, so no key its spec may size.
  {
    kind: "RoiDetectorTraining",
    spec: { checkpoint: "assets/trained/yolox.pth", placement: { resources: { "check-inputs": { cpu: "1" } } } },
    refusedWith: "keys must be stage names",
  },
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
    spec: foldTraining({ init: "PreviousStage" }),
    refusedWith: "the first training stage has no previous stage: it starts from ImageNet (or Random) weights",
  },
  {
    kind: "ClassifierFold",
    spec: foldTraining({ warmupEpochs: 4 }),
    refusedWith: "warmupEpochs must be smaller than epochs",
  },
  {
    kind: "ClassifierFold",
    spec: foldTraining({ minLr: 2e-3 }),
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
  // Fold count, candidate epochs and schedule are checked together before anything runs.
  { kind: "Reproduction", spec: makeReproduction("PartialReproduce").folds(3).obj() },
  { kind: "Reproduction", spec: makeReproduction("PartialReproduce").folds(5).obj() },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce")
      .folds(3)
      .candidates(...threeCandidates)
      .obj(),
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce")
      .folds(3)
      .candidates(
        { fold: 0, epochs: [11] },
        { fold: 1, epochs: [8] },
        { fold: 2, epochs: [20] },
        { fold: 3, epochs: [18] },
      )
      .obj(),
    refusedWith: coverFolds,
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("FullReproduce")
      .folds(5)
      .candidates(...threeCandidates)
      .obj(),
    refusedWith: coverFolds,
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce")
      .folds(3)
      .candidates({ fold: 0, epochs: [2] }, { fold: 0, epochs: [1] }, { fold: 2, epochs: [2] })
      .obj(),
    refusedWith: coverFolds,
  },
  // Trained imports the winner's four folds: a fold count, candidates or a schedule there would
  // mean nothing, so each is refused by name (issue 15).
  {
    kind: "Reproduction",
    spec: makeReproduction("Trained")
      .folds(3)
      .candidates({ fold: 5, epochs: [1] })
      .obj(),
    refusedWith: trainedFolds,
  },
  { kind: "Reproduction", spec: makeReproduction("Trained").folds(5).obj(), refusedWith: trainedFolds },
  { kind: "Reproduction", spec: makeReproduction("Trained").folds(4).obj() },
  {
    kind: "Reproduction",
    spec: makeReproduction("Trained")
      .candidates(...[0, 1, 2, 3].map((fold) => ({ fold, epochs: [2] })))
      .obj(),
    refusedWith:
      "engine.selection.candidates is not used in mode Trained: it selects no checkpoints (the winner's fold checkpoints are the ensemble); omit it, or select among retrained folds' epochs with mode PartialReproduce or FullReproduce",
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("Trained")
      .stages(makeTrainingStage({ epochs: 2 }))
      .obj(),
    refusedWith:
      "classifier.stages is not used in mode Trained: it trains no fold; omit it, or retrain the folds on this schedule with mode PartialReproduce or FullReproduce",
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce")
      .folds(3)
      .stages(makeTrainingStage({ epochs: 2 }))
      .candidates(...threeCandidates)
      .obj(),
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce")
      .folds(3)
      .stages(makeTrainingStage({ epochs: 2 }))
      .candidates({ fold: 0, epochs: [2] }, { fold: 1, epochs: [1.5] }, { fold: 2, epochs: [3] })
      .obj(),
    refusedWith: pastSchedule,
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce")
      .stages(makeTrainingStage({ epochs: 2 }))
      .obj(),
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce")
      .stages(makeTrainingStage({ epochs: 2, init: "PreviousStage" }))
      .obj(),
    refusedWith: "classifier.stages: the first training stage has no previous stage",
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce")
      .stages(makeTrainingStage({ epochs: 40 }))
      .obj(),
    refusedWith: reproductionSampler,
  },
  { kind: "Reproduction", spec: makeReproduction("PartialReproduce").precomputedEpochs(31).obj() },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce").precomputedEpochs(30).obj(),
    refusedWith: reproductionSampler,
  },
  { kind: "Reproduction", spec: makeReproduction("PartialReproduce").folds(2).precomputedEpochs(25).obj() },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce")
      .precomputedEpochs(3)
      .stages(makeTrainingStage({ epochs: 2 }))
      .obj(),
  },
  { kind: "Reproduction", spec: makeReproduction("Trained").precomputedEpochs(3).obj() },
  // The RSNA data alone: only the split dataset prepared, no external dataset in training.
  {
    kind: "Reproduction",
    spec: makeReproduction("FullReproduce").datasets("rsna-breast-cancer-detection").externalDatasets().obj(),
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce").datasets("rsna-breast-cancer-detection").obj(),
    refusedWith: externalsPrepared,
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce")
      .datasets("rsna-breast-cancer-detection", "cmmd")
      .externalDatasets("cmmd")
      .obj(),
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("PartialReproduce")
      .datasets("rsna-breast-cancer-detection", "cmmd")
      .externalDatasets("cmmd", "rsna-breast-cancer-detection")
      .obj(),
    refusedWith: externalsPrepared,
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("FullReproduce").datasets("cmmd").externalDatasets().obj(),
    refusedWith: splitPrepared,
  },
  {
    kind: "Reproduction",
    spec: makeReproduction("FullReproduce").datasets("cmmd").splitDataset("cmmd").externalDatasets().obj(),
  },
  { kind: "Reproduction", spec: makeReproduction("Trained").datasets("cmmd").obj() },
  // Classifier names: a ConvNeXt of timm, with or without one of its own pretrained tags.
  { kind: "ClassifierFold", spec: { dataset: { name: "d" }, fold: 0, model: { architecture: "convnext_atto" } } },
  {
    kind: "ClassifierFold",
    spec: { dataset: { name: "d" }, fold: 0, model: { architecture: "convnextv2_nano.fcmae" } },
  },
  {
    kind: "ClassifierFold",
    spec: { dataset: { name: "d" }, fold: 0, model: { architecture: "resnet50" } },
    refusedWith: unknownArchitecture,
  },
  {
    kind: "ClassifierFold",
    spec: { dataset: { name: "d" }, fold: 0, model: { architecture: "convnext_atto.fb_in22k" } },
    refusedWith: unknownArchitecture,
  },
  {
    kind: "ClassifierFold",
    spec: { dataset: { name: "d" }, fold: 0, model: { architecture: "convnext_small.fb_in22k_ft_in1k_384x" } },
    refusedWith: unknownArchitecture,
  },
  {
    kind: "EngineBuild",
    spec: { source: "Trained", model: { architecture: "xconvnext_small" } },
    refusedWith: unknownArchitecture,
  },
  {
    kind: "Reproduction",
    spec: { ...makeReproduction("Trained").obj(), classifier: { model: { architecture: "convnext_tiny." } } },
    refusedWith: unknownArchitecture,
  },
  {
    kind: "Reproduction",
    spec: { ...makeReproduction("Trained").obj(), classifier: { model: { architecture: "convnext_tiny.in12k" } } },
  },
  {
    kind: "ClassifierFold",
    spec: { dataset: { name: "d" }, fold: 2, training: { sampler: { precomputedEpochs: 30 } } },
    refusedWith: foldSampler,
  },
  {
    kind: "ClassifierFold",
    spec: { dataset: { name: "d" }, fold: 1, training: { sampler: { precomputedEpochs: 25 } } },
  },
  {
    kind: "ClassifierFold",
    spec: {
      dataset: { name: "d" },
      fold: 0,
      training: { sampler: { precomputedEpochs: 2 } },
      stages: [makeTrainingStage({ epochs: 2 })],
    },
    refusedWith: foldSampler,
  },
  {
    kind: "EngineBuild",
    spec: { folds: [{ name: "f0" }, { name: "f1" }, { name: "f2" }] },
    refusedWith: engineFolds,
  },
  {
    kind: "EngineBuild",
    spec: { folds: [0, 1, 2, 3, 4].map((i) => ({ name: `f${i}` })) },
    refusedWith: engineFolds,
  },
  { kind: "EngineBuild", spec: { folds: [0, 1, 2, 3].map((i) => ({ name: `f${i}` })) } },
  {
    kind: "EngineBuild",
    spec: { folds: [0, 1, 2].map((i) => ({ name: `f${i}` })), selection: { candidates: threeCandidates } },
  },
];

describe("CEL rules and zod refinements agree", () => {
  for (const { kind, spec, refusedWith } of cases) {
    it(`${kind} ${JSON.stringify(spec)} is ${refusedWith ? "refused" : "accepted"}`, () => {
      const { zodIssues, failedRules } = specVerdicts(kind, spec);
      if (refusedWith) {
        expect(zodIssues.map((i) => i.message).join("\n")).toContain(refusedWith);
        expect(failedRules.join("\n")).toContain(refusedWith);
      } else {
        expect(zodIssues).toEqual([]);
        expect(failedRules).toEqual([]);
      }
    });
  }

  it("zod reports each field Trained mode does not use at its own path", () => {
    const spec = makeReproduction("Trained")
      .folds(3)
      .stages(makeTrainingStage({ epochs: 2 }))
      .candidates({ fold: 0, epochs: [1] })
      .obj();
    const issues = kindByName("Reproduction")?.spec.safeParse(spec).error?.issues ?? [];
    expect(issues.map((i) => i.path.join("."))).toEqual([
      "dataset.cvSplit.folds",
      "engine.selection.candidates",
      "classifier.stages",
    ]);
  });

  it("zod reports the field an invariant is about", () => {
    const result = kindByName("ClassifierFold")?.spec.safeParse({ dataset: { name: "d" }, fold: 7 });
    expect(result?.error?.issues).toEqual([
      expect.objectContaining({ path: ["fold"], message: "fold must be smaller than numFolds" }),
    ]);
  });
});
