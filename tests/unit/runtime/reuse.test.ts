import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { canonicalJson, type StageRequest, StageResult } from "../../../jobs/contract/index.ts";
import { REUSE_SCOPE_ENV } from "../../../jobs/contract/reuse.ts";
import { runStage, type StageContext } from "../../../jobs/ts/runtime/index.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";

const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const LABELS = "data/labels.csv";

/** Submission `name`'s aggregate request, reading LABELS (output in the submission's folder). */
const requestOf = (name: string, namespace = "local") =>
  makeStageRequest("aggregate")
    .owner("Submission", name, namespace)
    .input("labels", LABELS)
    .parameters({ threshold: 0.31 });

/** A stage that copies its labels input into submission.csv and counts its calls. */
function copier() {
  const stage = async (ctx: StageContext) => {
    stage.calls += 1;
    const file = path.join(ctx.outputDir, "submission.csv");
    await writeFile(file, await readFile(await ctx.inputPath("labels")));
    await ctx.addArtifact("submission", file);
  };
  stage.calls = 0;
  return stage;
}

describe("result reuse in the TypeScript stage runtime", () => {
  let root: string;
  let logs: string[];
  let printed: string[];
  const run = async (stage: ReturnType<typeof copier>, request: StageRequest, force?: boolean) => {
    const file = path.join(root, `${request.owner.name}-${request.stage}.json`);
    await writeFile(file, canonicalJson(request));
    const options = { storageRoot: root, log: (l: string) => logs.push(l), print: (l: string) => printed.push(l) };
    return runStage({ aggregate: stage }, "aggregate", file, force === undefined ? options : { ...options, force });
  };
  const resultOf = async (request: { outputDir: string }) =>
    StageResult.parse(JSON.parse(await readFile(path.join(root, request.outputDir, "result.json"), "utf8")));
  const fixLabels = async (content: string) => {
    await writeFile(path.join(root, LABELS), content);
    const later = new Date(Date.now() + 10_000);
    await utimes(path.join(root, LABELS), later, later);
  };

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "mammoflow-reuse-"));
    await mkdir(path.join(root, "data"));
    await writeFile(path.join(root, LABELS), "id,cancer\n1,0\n");
    logs = [];
    printed = [];
  });

  it("reuses its result while the input's content holds, and runs again once a data file is fixed", async () => {
    const stage = copier();
    const request = requestOf("demo").obj();
    expect(await run(stage, request)).toBe(0);
    expect(await run(stage, request)).toBe(0);
    expect(stage.calls).toBe(1);
    expect(logs.at(-1)).toMatch(/^stage aggregate: result for this request already complete in /);
    await fixLabels("id,cancer\n1,1\n");
    expect(await run(stage, request)).toBe(0);
    expect(stage.calls).toBe(2);
    const result = await resultOf(request);
    expect(result.inputFingerprints).toEqual({ labels: `file:${sha("id,cancer\n1,1\n")}` });
    expect(await readFile(path.join(root, request.outputDir, "submission.csv"), "utf8")).toBe("id,cancer\n1,1\n");
  });

  // What a pod does on a recheck (the mammoflow.io/recheck annotation starts every stage again):
  // exactly the stages depending on the fixed file run, and each termination message says which.
  it("re-checked after a data file is fixed, runs what depends on it and says which stages reused", async () => {
    const stage = copier();
    await writeFile(path.join(root, "data/other.csv"), "id,cancer\n9,0\n");
    const fixed = requestOf("fixed").obj();
    const downstream = requestOf("downstream").input("labels", `${fixed.outputDir}/submission.csv`).obj();
    const untouched = requestOf("untouched").input("labels", "data/other.csv").obj();
    const recheck = async () => {
      printed = [];
      for (const request of [fixed, downstream, untouched]) expect(await run(stage, request)).toBe(0);
      return printed.map((line) => JSON.parse(line).reused ?? false);
    };
    expect(await recheck()).toEqual([false, false, false]);
    expect(stage.calls).toBe(3);
    expect(await recheck()).toEqual([true, true, true]);
    expect(stage.calls).toBe(3);
    await fixLabels("id,cancer\n1,1\n");
    expect(await recheck()).toEqual([false, false, true]);
    expect(stage.calls).toBe(5);
    expect(await readFile(path.join(root, downstream.outputDir, "submission.csv"), "utf8")).toBe("id,cancer\n1,1\n");
  });

  it("copies the result of the same work another resource did, and says where it came from", async () => {
    const stage = copier();
    const first = requestOf("demo").obj();
    const second = requestOf("again").obj();
    await run(stage, first);
    printed = [];
    expect(await run(stage, second)).toBe(0);
    expect(stage.calls).toBe(1);
    const original = await resultOf(first);
    const copied = await resultOf(second);
    expect(copied.reusedFrom).toEqual({
      resource: "Submission/demo",
      namespace: "local",
      stage: "aggregate",
      outputDir: "runs/local/Submission/demo/aggregate",
    });
    expect(copied.artifacts).toEqual([{ ...original.artifacts[0], path: `${second.outputDir}/submission.csv` }]);
    expect([copied.contentKey, copied.outputDigest]).toEqual([original.contentKey, original.outputDigest]);
    expect(copied.requestDigest).not.toBe(original.requestDigest);
    // Copied, not moved: both folders hold the CSV.
    for (const request of [first, second])
      expect(await readFile(path.join(root, request.outputDir, "submission.csv"), "utf8")).toBe("id,cancer\n1,0\n");
    expect(JSON.parse(printed[0] ?? "{}").reusedFrom).toBe("Submission/demo/aggregate");
    expect(logs.at(-1)).toBe(
      `stage aggregate: reused from Submission/demo/aggregate in ${path.join(root, second.outputDir, "result.json")}`,
    );
  });

  it("does not reuse another namespace's result, nor other work's", async () => {
    const stage = copier();
    await run(stage, requestOf("demo").obj());
    const elsewhere = requestOf("demo", "team-b").obj();
    await run(stage, elsewhere);
    await run(stage, requestOf("other").parameters({ threshold: 0.5 }).obj());
    expect(stage.calls).toBe(3);
    expect((await resultOf(elsewhere)).reusedFrom).toBeUndefined();
  });

  it("copies another namespace's result only when the operator allows it, and names the namespace", async () => {
    const stage = copier();
    await run(stage, requestOf("demo").obj());
    const teamB = (name: string) => requestOf(name, "team-b").obj();
    const previous = process.env[REUSE_SCOPE_ENV];
    process.env[REUSE_SCOPE_ENV] = "storage";
    try {
      printed = [];
      expect(await run(stage, teamB("shared"))).toBe(0);
    } finally {
      if (previous === undefined) delete process.env[REUSE_SCOPE_ENV];
      else process.env[REUSE_SCOPE_ENV] = previous;
    }
    expect(stage.calls).toBe(1);
    expect((await resultOf(teamB("shared"))).reusedFrom).toEqual({
      resource: "Submission/demo",
      namespace: "local",
      stage: "aggregate",
      outputDir: "runs/local/Submission/demo/aggregate",
    });
    expect(JSON.parse(printed[0] ?? "{}")).toMatchObject({
      reused: true,
      reusedFrom: "Submission/demo/aggregate (namespace local)",
    });
    expect(logs.at(-1)).toMatch(/^stage aggregate: reused from Submission\/demo\/aggregate \(namespace local\) in /);
    // Without the operator's consent (the default), the same request in team-b runs.
    await run(stage, teamB("own"));
    expect(stage.calls).toBe(2);
  });

  it("runs when forced, and a stage reading its folder then runs again", async () => {
    const stage = copier();
    const upstream = requestOf("demo").obj();
    const downstream = requestOf("report").input("labels", `${upstream.outputDir}/submission.csv`).obj();
    await run(stage, upstream);
    await run(stage, downstream);
    const before = await resultOf(upstream);
    expect((await resultOf(downstream)).inputFingerprints).toEqual({
      labels: `stage:${before.outputDigest}/submission.csv`,
    });
    expect(await run(stage, upstream, true)).toBe(0);
    expect(stage.calls).toBe(3);
    expect((await resultOf(upstream)).outputDigest).not.toBe(before.outputDigest);
    await run(stage, downstream);
    expect(stage.calls).toBe(4);
  });
});
