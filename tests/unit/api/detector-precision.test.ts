import { describe, expect, it } from "vitest";
import { kindByName } from "../../../operator/api/index.ts";
import { specVerdicts } from "../../support/api-server-semantics.ts";

// Fp16 for the ROI detector runs only on ONNX Runtime's TensorRT provider (an fp16 engine, as the
// seed's); asking for it with a provider that runs the float32 graph is refused when the resource
// is written, by the API server's CEL rule and by zod alike, naming the field.
const refusal = (where: string) =>
  `detectorPrecision Fp16 needs executionProvider TensorRT (or Auto on a TensorRT host): the Cpu and Cuda providers run the detector's float32 graph (${where}); set detectorPrecision to Auto or Fp32, or executionProvider to TensorRT`;
const predict = refusal("the predict stage");
const crops = refusal("prepare-dataset");

const submission = (runtime: Record<string, unknown>) => ({ detector: { name: "d" }, engine: { name: "e" }, runtime });
const dataset = (runtime?: Record<string, unknown>) => ({ detector: { name: "d" }, ...(runtime ? { runtime } : {}) });

const cases: { kind: string; spec: Record<string, unknown>; refusedWith?: string; path?: string[] }[] = [
  { kind: "Submission", spec: submission({}) },
  { kind: "Submission", spec: submission({ detectorPrecision: "Fp16" }) },
  { kind: "Submission", spec: submission({ executionProvider: "TensorRT", detectorPrecision: "Fp16" }) },
  { kind: "Submission", spec: submission({ executionProvider: "Cpu", detectorPrecision: "Fp32" }) },
  { kind: "Submission", spec: submission({ executionProvider: "Cuda", detectorPrecision: "Auto" }) },
  {
    kind: "Submission",
    spec: submission({ executionProvider: "Cpu", detectorPrecision: "Fp16" }),
    refusedWith: predict,
    path: ["runtime", "detectorPrecision"],
  },
  {
    kind: "Submission",
    spec: submission({ executionProvider: "Cuda", detectorPrecision: "Fp16" }),
    refusedWith: predict,
    path: ["runtime", "detectorPrecision"],
  },
  { kind: "ClassificationDataset", spec: dataset() },
  {
    kind: "ClassificationDataset",
    spec: dataset({ detectorPrecision: "Fp16" }),
    refusedWith: crops,
    path: ["runtime", "detectorPrecision"],
  },
  { kind: "ClassificationDataset", spec: dataset({ executionProvider: "TensorRT", detectorPrecision: "Fp16" }) },
  { kind: "ClassificationDataset", spec: dataset({ executionProvider: "Auto", detectorPrecision: "Fp16" }) },
  {
    kind: "ClassificationDataset",
    spec: dataset({ executionProvider: "Cuda", detectorPrecision: "Fp16" }),
    refusedWith: crops,
    path: ["runtime", "detectorPrecision"],
  },
  {
    kind: "Reproduction",
    spec: { submission: { runtime: { executionProvider: "Cpu", detectorPrecision: "Fp16" } } },
    refusedWith: predict,
    path: ["submission", "runtime", "detectorPrecision"],
  },
  {
    kind: "Reproduction",
    spec: { mode: "PartialReproduce", dataset: { runtime: { detectorPrecision: "Fp16" } } },
    refusedWith: crops,
    path: ["dataset", "runtime", "detectorPrecision"],
  },
  {
    kind: "Reproduction",
    spec: {
      mode: "PartialReproduce",
      dataset: { runtime: { executionProvider: "TensorRT", detectorPrecision: "Fp16" } },
    },
  },
];

describe("detectorPrecision Fp16 is refused with a provider that runs float32", () => {
  for (const { kind, spec, refusedWith, path } of cases) {
    it(`${kind} ${JSON.stringify(spec)} is ${refusedWith ? "refused" : "accepted"}`, () => {
      const { zodIssues, failedRules } = specVerdicts(kind, spec);
      if (refusedWith) {
        expect(zodIssues).toEqual([expect.objectContaining({ path, message: refusedWith })]);
        expect(failedRules).toEqual([refusedWith]);
      } else {
        expect(zodIssues).toEqual([]);
        expect(failedRules).toEqual([]);
      }
    });
  }

  it("defaults to Auto, the seed's fp16 wherever the detector runs on TensorRT", () => {
    const parsed = kindByName("Submission")?.spec.parse(submission({})) as { runtime: Record<string, unknown> };
    expect(parsed.runtime.detectorPrecision).toBe("Auto");
    const crop = kindByName("ClassificationDataset")?.spec.parse(dataset()) as { runtime: Record<string, unknown> };
    expect(crop.runtime).toEqual({ executionProvider: "Cpu", detectorPrecision: "Auto" });
  });
});
