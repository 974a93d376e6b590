// The preflight's words for missing inputs, shared by the local runner and (for a pod that can see
// the volume) the operator: every path once, in the order first needed, with all its readers.
import { describe, expect, it } from "vitest";
import { missingInputLine, missingInputs, type RequiredInput } from "../../../jobs/contract/missing-inputs.ts";

const csv = "datasets/raw/rsna-breast-cancer-detection/test.csv";
const required: RequiredInput[] = [
  { path: "weights/a.pth", reader: "RoiDetectorTraining/d export-onnx", field: "inputs.checkpoint" },
  {
    path: csv,
    reader: "Submission/r-submission predict",
    field: "inputs.csv",
    manifestField: "Reproduction/r spec.submission.testSet.csv",
  },
  { path: "present", reader: "Submission/r-submission predict", field: "inputs.images" },
  {
    path: csv,
    reader: "Submission/r-submission aggregate",
    field: "inputs.csv",
    manifestField: "Reproduction/r spec.submission.testSet.csv",
  },
];

describe("missing inputs", () => {
  it("groups the paths the storage lacks, with every stage that reads each", () => {
    const checked: string[] = [];
    const missing = missingInputs(required, (path) => {
      checked.push(path);
      return path === "present";
    });
    expect([...missing.keys()]).toEqual(["weights/a.pth", csv]);
    expect(missing.get(csv)?.map((n) => n.reader)).toEqual([
      "Submission/r-submission predict",
      "Submission/r-submission aggregate",
    ]);
    // A path is looked up once, however many stages read it.
    expect(checked).toEqual(["weights/a.pth", csv, "present"]);
  });

  it("names the readers, the manifest fields and the fix", () => {
    const missing = missingInputs(required, () => false);
    expect(missingInputLine(csv, missing.get(csv) ?? [])).toBe(
      `  ${csv}: read by Submission/r-submission predict (inputs.csv), Submission/r-submission aggregate (inputs.csv); named by Reproduction/r spec.submission.testSet.csv; put it there or change that field`,
    );
    // No manifest field names another stage's output: nothing to change, no hint.
    expect(missingInputLine("weights/a.pth", missing.get("weights/a.pth") ?? [])).toBe(
      "  weights/a.pth: read by RoiDetectorTraining/d export-onnx (inputs.checkpoint)",
    );
    expect(missingInputLine(csv, missing.get(csv) ?? [], "copy it onto the volume")).toBe(
      `  ${csv}: read by Submission/r-submission predict (inputs.csv), Submission/r-submission aggregate (inputs.csv); named by Reproduction/r spec.submission.testSet.csv; copy it onto the volume`,
    );
  });
});
