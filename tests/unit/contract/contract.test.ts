import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  compactResult,
  STAGE_CATALOGUE,
  StageRequest,
  StageResult,
  sha256Hex,
  stageEntryPoint,
} from "../../../jobs/contract/index.ts";
import { TS_STAGES } from "../../../jobs/ts/stages.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";

const run = promisify(execFile);

const request = makeStageRequest("cv-split")
  .owner("ClassificationDataset", "demo")
  .input("dataset", "runs/local/ClassificationDataset/demo/prepare-dataset/cleaned_label.csv")
  .parameters({ seed: 67, folds: 4 })
  .obj();

describe("stage contract", () => {
  it("validates requests and names the offending field", () => {
    expect(StageRequest.parse(request).stage).toBe("cv-split");
    const bad = StageRequest.safeParse({ ...request, outputDir: "/abs", shard: { index: 4, count: 4 } });
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["outputDir", "shard.index"]);
    expect(StageRequest.safeParse({ ...request, stage: "train-everything" }).success).toBe(false);
  });

  it("knows which image runs each stage", () => {
    expect(STAGE_CATALOGUE["train-fold"]).toMatchObject({ language: "python", image: "pythonStage", gpu: true });
    expect(STAGE_CATALOGUE.predict).toMatchObject({ language: "typescript", sharded: true });
    expect(STAGE_CATALOGUE["roi-images"]).toMatchObject({
      name: "roi-images",
      language: "typescript",
      image: "typescriptStage",
      inputs: { labels: "required", dicom: "required" },
      artifacts: ["images", "failures"],
      sharded: false,
      gpu: false,
      seedJob: "J1",
      sizing: { cpu: "4", memory: "8Gi", ephemeralStorage: "4Gi", shm: "256Mi", deadlineHours: 6 },
    });
    expect(stageEntryPoint("predict", "/r.json")).toEqual({
      program: "mammoflow",
      args: ["stage", "predict", "--request", "/r.json"],
    });
    expect(stageEntryPoint("train-fold", "/r.json")).toEqual({
      program: "python",
      args: ["-m", "mammoflow_jobs", "train-fold", "--request", "/r.json"],
    });
  });

  it("has a TypeScript program for every TypeScript stage of the catalogue", () => {
    const typescript = Object.entries(STAGE_CATALOGUE)
      .filter(([, stage]) => stage.language === "typescript")
      .map(([name]) => name);
    expect(Object.keys(TS_STAGES).sort()).toEqual(typescript.sort());
  });

  it("writes requests as canonical JSON so equal requests have equal digests", () => {
    const reordered = { ...request, parameters: { folds: 4, seed: 67 } };
    expect(canonicalJson(reordered)).toBe(canonicalJson(request));
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("keeps the termination message within Kubernetes' 4096 bytes", () => {
    const result = StageResult.parse({
      apiVersion: "mammoflow.io/stage/v1",
      stage: "predict",
      requestDigest: "0".repeat(64),
      outcome: "Succeeded",
      startedAt: "2026-11-29T07:00:00.000Z",
      finishedAt: "2026-11-29T07:01:00.000Z",
      artifacts: Array.from({ length: 200 }, (_, i) => ({
        name: `crop-${i}`,
        path: `x/${i}.png`,
        sha256: "a".repeat(64),
      })),
    });
    const text = compactResult(result);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    const compact = JSON.parse(text);
    expect(compact.truncated).toBe(true);
    expect(compact.artifacts[0]).toEqual({ name: "crop-0", path: "x/0.png", sha256: "a".repeat(64) });
    expect(compact.artifacts.length).toBeLessThan(200);
  });

  // The Python stage runner against a request written by the TypeScript side: the result it
  // writes must satisfy the TypeScript result schema, and both compact forms must agree.
  it("is honoured by the Python stage runner", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "mammoflow-contract-"));
    const requestFile = path.join(root, "request.json");
    const requestText = canonicalJson(request);
    await writeFile(requestFile, requestText);
    const script = [
      "import sys",
      "from pathlib import Path",
      "from mammoflow_jobs.runner import run_stage",
      "def split(ctx):",
      "    out = ctx.output_dir / 'folds.csv'",
      "    out.write_text('patient_id,fold\\n10006,2\\n')",
      "    ctx.add_artifact('folds', out)",
      "    ctx.metrics['folds'] = ctx.request.parameters['folds']",
      "sys.exit(run_stage({'cv-split': split}, 'cv-split', Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])))",
    ].join("\n");
    const termination = path.join(root, "termination-log");
    const { stdout } = await run(".venv/bin/python", ["-c", script, requestFile, root, termination]);
    const resultText = await readFile(path.join(root, request.outputDir, "result.json"), "utf8");
    const result = StageResult.parse(JSON.parse(resultText));
    expect(result.outcome).toBe("Succeeded");
    expect(result.requestDigest).toBe(sha256Hex(requestText));
    expect(result.artifacts).toEqual([
      {
        name: "folds",
        path: `${request.outputDir}/folds.csv`,
        sha256: sha256Hex("patient_id,fold\n10006,2\n"),
        sizeBytes: 24,
      },
    ]);
    expect(result.metrics).toEqual({ folds: 4 });
    expect(JSON.parse(await readFile(termination, "utf8"))).toEqual(JSON.parse(compactResult(result)));
    expect(JSON.parse(stdout.trim())).toEqual(JSON.parse(compactResult(result)));
  });
});
