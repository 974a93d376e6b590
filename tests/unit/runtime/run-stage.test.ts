import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { canonicalJson, StageResult, sha256Hex } from "../../../jobs/contract/index.ts";
import { runStage, type StageContext, StageFailure } from "../../../jobs/ts/runtime/index.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";

const OUTPUT = "runs/local/Submission/demo/aggregate";

/** Submission "demo"'s aggregate request (output folder OUTPUT). */
const aggregateRequest = () => makeStageRequest("aggregate").parameters({ threshold: 0.31 });

/** A stage that writes one CSV and counts its calls, or throws `failure`. */
function recorder(failure?: unknown) {
  const stage = async (ctx: StageContext) => {
    stage.calls += 1;
    if (failure !== undefined) throw failure;
    const file = path.join(ctx.outputDir, "submission.csv");
    await writeFile(file, "prediction_id,cancer\n10008_L,0\n");
    await ctx.addArtifact("submission", file);
    ctx.metrics.breasts = 1;
  };
  stage.calls = 0;
  return stage;
}

describe("TypeScript stage runner", () => {
  let root: string;
  let logs: string[];
  let printed: string[];
  const options = () => ({
    storageRoot: root,
    log: (l: string) => logs.push(l),
    print: (l: string) => printed.push(l),
  });
  const writeRequest = async (request: unknown, name = "request.json") => {
    const file = path.join(root, name);
    await writeFile(file, canonicalJson(request));
    return file;
  };
  const readResult = async () =>
    StageResult.parse(JSON.parse(await readFile(path.join(root, OUTPUT, "result.json"), "utf8")));

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "mammoflow-stage-"));
    logs = [];
    printed = [];
  });

  it("writes result.json with hashed artifacts and prints the compact result", async () => {
    const file = await writeRequest(aggregateRequest().obj());
    const terminationLog = path.join(root, "termination-log");
    const code = await runStage({ aggregate: recorder() }, "aggregate", file, { ...options(), terminationLog });
    expect(code).toBe(0);
    const result = await readResult();
    expect(result.requestDigest).toBe(sha256Hex(await readFile(file)));
    expect(result.artifacts).toEqual([
      {
        name: "submission",
        path: `${OUTPUT}/submission.csv`,
        sha256: sha256Hex("prediction_id,cancer\n10008_L,0\n"),
        sizeBytes: 31,
      },
    ]);
    expect(result.metrics).toEqual({ breasts: 1 });
    expect(JSON.parse(printed[0] ?? "")).toEqual(JSON.parse(await readFile(terminationLog, "utf8")));
  });

  it("does not run the same request twice, but runs a changed one", async () => {
    const stage = recorder();
    await runStage({ aggregate: stage }, "aggregate", await writeRequest(aggregateRequest().obj()), options());
    expect(
      await runStage({ aggregate: stage }, "aggregate", await writeRequest(aggregateRequest().obj()), options()),
    ).toBe(0);
    expect(stage.calls).toBe(1);
    expect(logs.join("\n")).toContain("already complete");
    const changed = aggregateRequest().parameters({ threshold: 0.5 }).obj();
    await runStage({ aggregate: stage }, "aggregate", await writeRequest(changed), options());
    expect(stage.calls).toBe(2);
  });

  it("refuses a malformed or mismatched request with exit 2 and a message naming the file and field", async () => {
    const broken = path.join(root, "broken.json");
    await writeFile(broken, "{");
    expect(await runStage({}, "aggregate", broken, options())).toBe(2);
    expect(logs.pop()).toMatch(/broken\.json is not valid JSON/);
    const escaping = await writeRequest(aggregateRequest().outputDir("../outside").obj());
    expect(await runStage({ aggregate: recorder() }, "aggregate", escaping, options())).toBe(2);
    expect(logs.pop()).toMatch(/is invalid:\n.*must be relative to the storage root[\s\S]*→ at outputDir/);
    expect(
      await runStage({ aggregate: recorder() }, "predict", await writeRequest(aggregateRequest().obj()), options()),
    ).toBe(2);
    expect(logs.pop()).toContain("is for stage 'aggregate', not 'predict'");
    expect(await runStage({}, "aggregate", await writeRequest(aggregateRequest().obj()), options())).toBe(2);
    expect(logs.pop()).toContain("no TypeScript stage named 'aggregate'");
  });

  it("exits 2 for bad input and 1 for a crash, recording the error; a failed result is not reused", async () => {
    const file = await writeRequest(aggregateRequest().obj());
    const badInput = new StageFailure("BadInput", "test.csv has no column laterality", "assets/samples/test.csv");
    expect(await runStage({ aggregate: recorder(badInput) }, "aggregate", file, options())).toBe(2);
    expect((await readResult()).error).toEqual({
      reason: "BadInput",
      message: "test.csv has no column laterality",
      file: "assets/samples/test.csv",
    });
    expect(await runStage({ aggregate: recorder(new RangeError("boom")) }, "aggregate", file, options())).toBe(1);
    expect((await readResult()).error?.reason).toBe("Internal");
    const healthy = recorder();
    expect(await runStage({ aggregate: healthy }, "aggregate", file, options())).toBe(0);
    expect(healthy.calls).toBe(1);
  });

  it("reports a missing input artifact as a permanent failure", async () => {
    const file = await writeRequest(aggregateRequest().input("predictions", "runs/x/predict/probs.csv").obj());
    const stage = async (ctx: StageContext) => {
      await ctx.inputPath("predictions");
    };
    expect(await runStage({ aggregate: stage }, "aggregate", file, options())).toBe(2);
    const result = await readResult();
    expect(result.error?.reason).toBe("MissingArtifact");
    expect(result.error?.file).toBe(path.join(root, "runs/x/predict/probs.csv"));
  });
});
