// The check-inputs stage (the operator's input preflight on a cluster) run as a pod runs it:
// `runStage` over the real program, a storage folder, and a termination-message file.
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXIT_PERMANENT_FAILURE, StageResult, TERMINATION_MESSAGE_LIMIT } from "../../../jobs/contract/index.ts";
import type { RequiredInput } from "../../../jobs/contract/missing-inputs.ts";
import { runStage } from "../../../jobs/ts/runtime/index.ts";
import { TS_STAGES } from "../../../jobs/ts/stages.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";

const OUTPUT = "runs/ns/ClassifierFold/fold0/check-inputs-0123456789";

/** A required input read by `reader` through `field`, set by the manifest field `set` (absent: none). */
const need = (path: string, reader: string, field: string, set?: string): RequiredInput => ({
  path,
  reader,
  field,
  ...(set ? { manifestField: set } : {}),
});

const PRETRAINED = need(
  "assets/public_pretrains/convnext.safetensors",
  "ClassifierFold/fold0 train-fold",
  "parameters.model.pretrained",
  "ClassifierFold/fold0 spec.model.pretrained",
);

describe("check-inputs", () => {
  let base: string;
  let root: string;
  beforeEach(async () => {
    base = await realpath(await mkdtemp(path.join(tmpdir(), "mammoflow-check-inputs-")));
    root = path.join(base, "storage");
    await mkdir(path.join(root, "datasets/crops"), { recursive: true });
    await writeFile(path.join(root, "datasets/folds.csv"), "patient_id,fold\n");
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  /** Runs the stage on `required`; its exit code, result.json and termination message. */
  const check = async (required: unknown[]) => {
    const requestFile = path.join(base, "request.json");
    const terminationLog = path.join(base, "termination-log");
    await makeStageRequest("check-inputs")
      .owner("ClassifierFold", "fold0", "ns")
      .outputDir(OUTPUT)
      .parameters({ required })
      .write(requestFile);
    const code = await runStage(TS_STAGES, "check-inputs", requestFile, {
      storageRoot: root,
      terminationLog,
      log: () => {},
      print: () => {},
    });
    const resultFile = path.join(root, OUTPUT, "result.json");
    const result = await readFile(resultFile, "utf8").then(
      (text) => StageResult.parse(JSON.parse(text)),
      () => undefined,
    );
    const message = await readFile(terminationLog, "utf8").catch(() => "");
    return { code, result, message };
  };

  it("reports every missing path once, with all its readers, and succeeds: a finding, not a failure", async () => {
    const { code, result, message } = await check([
      need("datasets/crops", "ClassifierFold/fold0 train-fold", "inputs.images"),
      PRETRAINED,
      need("datasets/folds.csv", "ClassifierFold/fold0 train-fold", "inputs.folds"),
      need("datasets/labels.csv", "ClassifierFold/fold0 train-fold", "inputs.labels"),
      { ...PRETRAINED, reader: "ClassifierFold/fold0 select-checkpoints" },
    ]);
    expect(code).toBe(0);
    expect(result?.outcome).toBe("Succeeded");
    expect(result?.metrics).toEqual({ inputsChecked: 4, inputsMissing: 2 });
    expect(result?.problems).toEqual([
      {
        item: "assets/public_pretrains/convnext.safetensors",
        message:
          "assets/public_pretrains/convnext.safetensors: read by ClassifierFold/fold0 train-fold (parameters.model.pretrained), ClassifierFold/fold0 select-checkpoints (parameters.model.pretrained); named by ClassifierFold/fold0 spec.model.pretrained; put it there or change that field",
      },
      {
        item: "datasets/labels.csv",
        message: "datasets/labels.csv: read by ClassifierFold/fold0 train-fold (inputs.labels)",
      },
    ]);
    expect(JSON.parse(message)).toMatchObject({
      stage: "check-inputs",
      outcome: "Succeeded",
      metrics: { inputsChecked: 4, inputsMissing: 2 },
      problems: 2,
      findings: ["assets/public_pretrains/convnext.safetensors", "datasets/labels.csv"],
      truncated: false,
    });
  });

  it("says nothing is missing when everything is there", async () => {
    const { code, message } = await check([need("datasets/crops", "ClassifierFold/fold0 train-fold", "inputs.images")]);
    expect(code).toBe(0);
    const compact = JSON.parse(message);
    expect([compact.metrics, compact.problems, compact.findings]).toEqual([
      { inputsChecked: 1, inputsMissing: 0 },
      0,
      undefined,
    ]);
  });

  it("counts a symbolic link out of the storage root as missing, saying where it leads", async () => {
    await writeFile(path.join(base, "folds.csv"), "patient_id,fold\n");
    await symlink(base, path.join(root, "elsewhere"));
    const { result } = await check([need("elsewhere/folds.csv", "ClassifierFold/fold0 train-fold", "inputs.folds")]);
    expect(result?.metrics.inputsMissing).toBe(1);
    expect(result?.problems[0]?.message).toBe(
      `elsewhere/folds.csv: read by ClassifierFold/fold0 train-fold (inputs.folds); input 'elsewhere/folds.csv' (elsewhere/folds.csv) leaves the storage root ${root}: elsewhere is a symbolic link to ${base}, so it resolves to ${base}/folds.csv, which is neither in the storage root nor in a read-only root of MAMMOFLOW_READ_ONLY_ROOTS (not set)`,
    );
  });

  it("refuses a path outside the storage root as a bad request (exit 2), naming the field", async () => {
    for (const outside of ["/etc/passwd", "datasets/../../etc/passwd"]) {
      const { code, result } = await check([need(outside, "ClassifierFold/fold0 train-fold", "inputs.folds")]);
      expect(code).toBe(EXIT_PERMANENT_FAILURE);
      expect(result?.error?.reason).toBe("BadRequest");
      expect(result?.error?.message).toContain("must be relative to the storage root and must not contain '..'");
      expect(result?.error?.message).toContain("required[0].path");
    }
  });

  it("keeps the termination message whole JSON within 4096 bytes: the count, and as many paths as fit", async () => {
    const many = Array.from({ length: 80 }, (_, i) =>
      need(`datasets/raw/vindr/images/${String(i).padStart(3, "0")}-${"x".repeat(60)}.dicom`, "R/r stage", "inputs.x"),
    );
    const { code, message } = await check(many);
    expect(code).toBe(0);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(TERMINATION_MESSAGE_LIMIT);
    const compact = JSON.parse(message);
    expect(compact.metrics).toEqual({ inputsChecked: 80, inputsMissing: 80 });
    expect(compact.truncated).toBe(true);
    expect(compact.findings.length).toBeGreaterThan(10);
    expect(compact.findings).toEqual(many.slice(0, compact.findings.length).map((m) => m.path));
  });
});
