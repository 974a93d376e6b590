import type { TrainingStage } from "../../jobs/contract/parameters/classifier.ts";

type Stage = Partial<TrainingStage> & Pick<TrainingStage, "epochs">;

/** A short training run: `epochs` cosine epochs (+1 cooldown), one warm-up epoch, random weights. */
export const makeTrainingStage = (stage: Stage): TrainingStage => ({
  init: "Random",
  lr: 1e-3,
  minLr: 1e-5,
  warmupLr: 1e-5,
  warmupEpochs: 1,
  smoothing: 0.1,
  ...stage,
});

/** A Reproduction spec built field by field: `makeReproduction("PartialReproduce").folds(3).obj()`. */
export class ReproductionBuilder {
  private readonly spec: Record<string, Record<string, unknown> | string> = {};

  constructor(mode: string) {
    this.spec.mode = mode;
  }

  private section(name: string): Record<string, unknown> {
    const current = this.spec[name];
    if (typeof current === "object") return current;
    const created: Record<string, unknown> = {};
    this.spec[name] = created;
    return created;
  }

  folds(count: number): this {
    this.section("dataset").cvSplit = { folds: count };
    return this;
  }

  stages(...stages: TrainingStage[]): this {
    this.section("classifier").stages = stages;
    return this;
  }

  precomputedEpochs(epochs: number): this {
    this.section("classifier").training = { sampler: { precomputedEpochs: epochs } };
    return this;
  }

  /** The datasets to prepare, by name (their other fields defaulted). */
  datasets(...names: string[]): this {
    this.section("dataset").datasets = names.map((name) => ({ name }));
    return this;
  }

  splitDataset(name: string): this {
    const dataset = this.section("dataset");
    dataset.cvSplit = { ...(dataset.cvSplit as object | undefined), dataset: name };
    return this;
  }

  externalDatasets(...names: string[]): this {
    const classifier = this.section("classifier");
    classifier.training = { ...(classifier.training as object | undefined), externalDatasets: names };
    return this;
  }

  candidates(...candidates: { fold: number; epochs: number[] }[]): this {
    this.section("engine").selection = { candidates };
    return this;
  }

  obj(): Record<string, unknown> {
    return structuredClone(this.spec);
  }
}

export const makeReproduction = (mode: "Trained" | "PartialReproduce" | "FullReproduce") =>
  new ReproductionBuilder(mode);
