import { describe, expect, it } from "vitest";
import {
  ClassificationDatasetSpec,
  ClassifierFoldSpec,
  EngineBuildSpec,
  kindByName,
  ReproductionSpec,
  RoiDetectorTrainingSpec,
  SubmissionSpec,
} from "../../../operator/api/index.ts";
import { parseResource } from "../../../operator/api/parse.ts";
import { buildCrd } from "../../../operator/codegen/crd.ts";
import type { OpenApiSchema } from "../../../operator/codegen/structural-schema.ts";
import { stageJobName } from "../../../operator/executors/kubernetes/names.ts";
import { planStages } from "../../../operator/pipeline/plan.ts";
import { reproductionChildren } from "../../../operator/pipeline/reproduction.ts";
import type { DependencyView } from "../../../operator/pipeline/stage-plan.ts";
import { evaluateRules } from "../../support/api-server-semantics.ts";
import { planContext, readyDependency, resourceId } from "../../support/plan-context.ts";
import { makeReproduction } from "../../support/reproduction-builder.ts";

// The longest name each kind accepts: 63 minus what its longest derived Job name appends.
const limits: Record<string, number> = {
  RoiDetectorTraining: 41, // <name>-roidet-train-detector
  ClassificationDataset: 39, // <name>-clsdata-prepare-dataset
  ClassifierFold: 45, // <name>-fold-train-fold-2
  EngineBuild: 37, // <name>-engine-select-checkpoints
  Submission: 48, // <name>-subm-aggregate
  Reproduction: 30, // <name>-engine-engine-select-checkpoints (its EngineBuild child's Job)
};
const minimalSpecs: Record<string, Record<string, unknown>> = {
  RoiDetectorTraining: { source: "Train" },
  ClassificationDataset: { detector: { name: "d" } },
  ClassifierFold: { dataset: { name: "d" }, fold: 0 },
  EngineBuild: { source: "Trained" },
  Submission: { detector: { name: "d" }, engine: { name: "e" } },
  Reproduction: {},
};
const nameOf = (length: number) => "n".repeat(length);
const manifest = (kind: string, name: string) => ({
  apiVersion: "mammoflow.io/v1alpha1",
  kind,
  metadata: { name },
  spec: minimalSpecs[kind],
});

describe("a name too long for the Jobs derived from it is refused", () => {
  for (const [kind, limit] of Object.entries(limits)) {
    const definition = kindByName(kind);
    if (!definition) throw new Error(`no kind ${kind}`);
    const message = `metadata.name must be at most ${limit} characters`;

    it(`${kind}: the API server's CEL rule and the local runner's zod agree at ${limit} characters`, () => {
      const root = buildCrd(definition) as {
        spec: { versions: { schema: { openAPIV3Schema: OpenApiSchema } }[] };
      };
      const schema = root.spec.versions[0]?.schema.openAPIV3Schema as OpenApiSchema;
      const celRefusals = (name: string) =>
        evaluateRules({ ...schema, properties: undefined }, manifest(kind, name))
          .filter((o) => !o.holds)
          .map((o) => o.message);
      expect(celRefusals(nameOf(limit))).toEqual([]);
      expect(celRefusals(nameOf(limit + 1))).toEqual([expect.stringContaining(message)]);

      expect(() => parseResource([definition], manifest(kind, nameOf(limit)), "x.yaml")).not.toThrow();
      expect(() => parseResource([definition], manifest(kind, nameOf(limit + 1)), "x.yaml")).toThrow(message);
    });
  }
});

describe("the limits cover every Job the pipeline derives", () => {
  const plannedIds = (kind: string, spec: unknown, ...dependencies: DependencyView[]) =>
    planStages(resourceId(kind, "x"), spec as never, planContext(...dependencies)).map((p) => p.id);
  const stageIds: Record<string, string[]> = {
    RoiDetectorTraining: plannedIds(
      "RoiDetectorTraining",
      RoiDetectorTrainingSpec.parse({ source: "Train", training: { dicomImages: "datasets/raw/x" } }),
    ),
    ClassificationDataset: plannedIds(
      "ClassificationDataset",
      ClassificationDatasetSpec.parse({ detector: { name: "det" } }),
      readyDependency("detector", "RoiDetectorTraining", "det", ["export-onnx"]),
    ),
    ClassifierFold: plannedIds(
      "ClassifierFold",
      ClassifierFoldSpec.parse({ dataset: { name: "data" }, fold: 0 }),
      readyDependency("dataset", "ClassificationDataset", "data", ["prepare-dataset", "cv-split"]),
    ),
    EngineBuild: plannedIds(
      "EngineBuild",
      EngineBuildSpec.parse({
        folds: [{ name: "f0" }],
        selection: { candidates: [{ fold: 0, epochs: [1] }] },
      }),
      readyDependency("fold0", "ClassifierFold", "f0", ["train-fold-1", "train-fold-2"]),
    ),
    Submission: plannedIds(
      "Submission",
      SubmissionSpec.parse({ detector: { name: "det" }, engine: { name: "eng" } }),
      readyDependency("detector", "RoiDetectorTraining", "det", ["export-onnx"]),
      readyDependency("engine", "EngineBuild", "eng", ["export-onnx", "build-engine"]),
    ),
  };

  it("names every stage Job of a resource at its limit in full, within 63 characters", () => {
    for (const [kind, ids] of Object.entries(stageIds)) {
      expect(ids.length).toBeGreaterThan(1);
      const name = nameOf(limits[kind] as number);
      for (const id of ids) {
        const job = stageJobName(kind, name, id);
        expect(job.startsWith(`${name}-`) && job.endsWith(`-${id}`), `${kind} ${id}: ${job}`).toBe(true);
        expect(job.length).toBeLessThanOrEqual(63);
      }
    }
  });

  it("gives each child of the longest Reproduction a name within its own kind's limit", () => {
    const spec = ReproductionSpec.parse(makeReproduction("FullReproduce").folds(20).obj());
    const children = reproductionChildren("ns", nameOf(limits.Reproduction as number), spec);
    expect(children.some((c) => c.metadata.name.endsWith("-fold-19"))).toBe(true);
    for (const child of children) {
      expect(child.metadata.name.length, child.metadata.name).toBeLessThanOrEqual(limits[child.kind] as number);
    }
    // One child (the EngineBuild) has no character to spare: the limit is exact, not generous.
    expect(Math.min(...children.map((c) => (limits[c.kind] as number) - c.metadata.name.length))).toBe(0);
  });
});
