// Request inputs reached through symbolic links (docs/decisions/0006-input-links-stay-in-the-storage-root.md):
// a link that stays in the storage root is followed; one that leaves it is refused (BadInput, exit 2)
// naming the input, the link and where it points, unless MAMMOFLOW_READ_ONLY_ROOTS allows its target,
// as the local runner does for the installation's assets/ (the demo's `--link-assets`).
// jobs/python/tests/test_input_links.py holds the same cases for the Python runner.
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APP_ROOT } from "../../../jobs/contract/app-root.ts";
import { EXIT_PERMANENT_FAILURE, StageResult } from "../../../jobs/contract/index.ts";
import { runStage, type StageContext } from "../../../jobs/ts/runtime/index.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";

const OUTPUT = "runs/local/Submission/demo/aggregate";
const ENV = "MAMMOFLOW_READ_ONLY_ROOTS";

describe("request inputs through symbolic links", () => {
  let base: string;
  let root: string;
  let outside: string;
  let savedEnv: string | undefined;
  beforeEach(async () => {
    // realpath: the message names real paths, and tmpdir() may itself be a link.
    base = await realpath(await mkdtemp(path.join(tmpdir(), "mammoflow-links-")));
    root = path.join(base, "storage");
    // A sibling whose name starts with the root's: a prefix test on strings would let it in.
    outside = path.join(base, "storage-outside");
    await mkdir(path.join(root, "runs/x/predict"), { recursive: true });
    await mkdir(outside, { recursive: true });
    await writeFile(path.join(root, "runs/x/predict/probs.csv"), "inside\n");
    await writeFile(path.join(outside, "probs.csv"), "outside\n");
    savedEnv = process.env[ENV];
    delete process.env[ENV];
  });
  afterEach(async () => {
    if (savedEnv === undefined) delete process.env[ENV];
    else process.env[ENV] = savedEnv;
    await rm(base, { recursive: true, force: true });
  });

  /** Runs a stage that reads input `predictions` at `relative`; returns the exit code, result and what it read. */
  const run = async (relative: string, storageRoot = root) => {
    const requestFile = path.join(base, "request.json");
    await makeStageRequest("aggregate").input("predictions", relative).write(requestFile);
    const read: { path?: string; text?: string } = {};
    const stage = async (ctx: StageContext) => {
      read.path = await ctx.inputPath("predictions");
      read.text = await readFile(read.path, "utf8");
    };
    const code = await runStage({ aggregate: stage }, "aggregate", requestFile, {
      storageRoot,
      log: () => {},
      print: () => {},
    });
    const result = StageResult.parse(JSON.parse(await readFile(path.join(root, OUTPUT, "result.json"), "utf8")));
    return { code, result, read };
  };

  it("follows a link that stays in the storage root and hands the stage the path under the root", async () => {
    await mkdir(path.join(root, "links"));
    await symlink("../runs/x/predict", path.join(root, "links/predict"));
    const { code, read } = await run("links/predict/probs.csv");
    expect(code).toBe(0);
    expect(read).toEqual({ path: path.join(root, "links/predict/probs.csv"), text: "inside\n" });
  });

  it("refuses a link out of the storage root, naming the input, the link and where it resolves (BadInput, exit 2)", async () => {
    await symlink(outside, path.join(root, "elsewhere"));
    const { code, result, read } = await run("elsewhere/probs.csv");
    expect(code).toBe(EXIT_PERMANENT_FAILURE);
    expect(read).toEqual({});
    expect(result.error).toEqual({
      reason: "BadInput",
      message:
        `input 'predictions' (elsewhere/probs.csv) leaves the storage root ${root}: elsewhere is a symbolic link to ${outside}, ` +
        `so it resolves to ${outside}/probs.csv, which is neither in the storage root nor in a read-only root of ` +
        "MAMMOFLOW_READ_ONLY_ROOTS (not set)",
      file: path.join(root, "elsewhere/probs.csv"),
    });
  });

  it("refuses a chain whose in-root link leads to one that leaves, naming the first step that leaves", async () => {
    await symlink(path.join(outside, "probs.csv"), path.join(root, "runs/x/out.csv"));
    await symlink("runs/x/out.csv", path.join(root, "hop.csv"));
    const { code, result } = await run("hop.csv");
    expect(code).toBe(EXIT_PERMANENT_FAILURE);
    expect(result.error?.message).toMatch(
      new RegExp(
        `^input 'predictions' \\(hop\\.csv\\) leaves the storage root .*: hop\\.csv is a symbolic link to runs/x/out\\.csv, so it resolves to ${outside}/probs\\.csv,`,
      ),
    );
  });

  it("follows a link out of the root into a read-only root of MAMMOFLOW_READ_ONLY_ROOTS, and only there", async () => {
    await symlink(outside, path.join(root, "elsewhere"));
    process.env[ENV] = `/nonexistent/datasets:${outside}`;
    const allowed = await run("elsewhere/probs.csv");
    expect(allowed.code).toBe(0);
    expect(allowed.read).toEqual({ path: path.join(root, "elsewhere/probs.csv"), text: "outside\n" });

    process.env[ENV] = path.join(base, "other");
    // The same request again: without this its Succeeded result would be reused, not re-checked.
    await rm(path.join(root, OUTPUT, "result.json"));
    const refused = await run("elsewhere/probs.csv");
    expect(refused.code).toBe(EXIT_PERMANENT_FAILURE);
    expect(refused.result.error?.message).toMatch(/MAMMOFLOW_READ_ONLY_ROOTS \(.*\/other\)$/);
  });

  it("refuses a read-only root that is not an absolute path (BadRequest) instead of guessing what it is relative to", async () => {
    await symlink(outside, path.join(root, "elsewhere"));
    process.env[ENV] = "assets";
    const { code, result } = await run("elsewhere/probs.csv");
    expect(code).toBe(EXIT_PERMANENT_FAILURE);
    expect(result.error).toEqual({
      reason: "BadRequest",
      message: "MAMMOFLOW_READ_ONLY_ROOTS entry 'assets' is not an absolute path",
    });
  });

  it("accepts any input when the storage root itself is named through a link", async () => {
    const alias = path.join(base, "alias");
    await symlink(root, alias);
    const { code, read } = await run("runs/x/predict/probs.csv", alias);
    expect(code).toBe(0);
    expect(read.text).toBe("inside\n");
  });

  it("follows the demo's --link-assets link into the installation's assets/ with the root the local runner sets", async () => {
    // What cli/run.ts makes: <storage>/assets/samples → <installation>/assets/samples.
    await mkdir(path.join(root, "assets"));
    await symlink(path.join(APP_ROOT, "assets/samples"), path.join(root, "assets/samples"));
    const refused = await run("assets/samples/test.csv");
    expect(refused.result.error?.reason).toBe("BadInput");
    process.env[ENV] = path.join(APP_ROOT, "assets");
    const { code, read } = await run("assets/samples/test.csv");
    expect(code).toBe(0);
    expect(read.text).toBe(await readFile(path.join(APP_ROOT, "assets/samples/test.csv"), "utf8"));
  });
});
