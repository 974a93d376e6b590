import { describe, expect, it } from "vitest";
import { ReproductionSpec } from "../../../operator/api/index.ts";
import { reproductionChildren } from "../../../operator/pipeline/reproduction.ts";
import { type ExistingChild, unwantedChildren } from "../../../operator/pipeline/reproduction-pruning.ts";

const reproduction = { name: "r", uid: "uid-r" };
/** The children `spec` makes, as the caches show them once created. */
const created = (spec: Record<string, unknown>): ExistingChild[] =>
  reproductionChildren("ns", "r", ReproductionSpec.parse(spec)).map((c) => ({
    kind: c.kind,
    name: c.metadata.name,
    labels: c.metadata.labels,
    controllerUid: reproduction.uid,
  }));
const pruned = (existing: ExistingChild[], spec: Record<string, unknown>) =>
  unwantedChildren(reproduction, existing, reproductionChildren("ns", "r", ReproductionSpec.parse(spec))).map(
    (c) => `${c.kind}/${c.name}`,
  );

describe("a Reproduction whose mode changes", () => {
  it("prunes the children its new mode no longer wants", () => {
    expect(pruned(created({ mode: "FullReproduce" }), { mode: "Trained" })).toEqual([
      "ClassificationDataset/r-dataset",
      "ClassifierFold/r-fold-0",
      "ClassifierFold/r-fold-1",
      "ClassifierFold/r-fold-2",
      "ClassifierFold/r-fold-3",
    ]);
  });

  it("keeps every child when the new mode wants them all (the detector and engine change in place)", () => {
    expect(pruned(created({ mode: "FullReproduce" }), { mode: "PartialReproduce" })).toEqual([]);
    expect(pruned(created({ mode: "Trained" }), { mode: "FullReproduce" })).toEqual([]);
  });

  it("leaves alone a resource with its label that it does not control", () => {
    const stranger: ExistingChild = {
      kind: "ClassifierFold",
      name: "r-fold-9",
      labels: { "mammoflow.io/reproduction": "r" },
    };
    const otherOwner: ExistingChild = { ...stranger, name: "r-fold-8", controllerUid: "uid-another-r" };
    expect(pruned([...created({ mode: "Trained" }), stranger, otherOwner], { mode: "Trained" })).toEqual([]);
  });
});
