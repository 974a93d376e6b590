// The TypeScript stage runner on a disk that is really full (a 256 KiB tmpfs as the storage
// root): the stage ends OutOfSpace, retryable, the termination message says so even when
// result.json itself no longer fits, and no half-written file is left behind.
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../../jobs/contract/files.ts";
import { EXIT_RETRYABLE_FAILURE } from "../../../jobs/contract/index.ts";
import { runStage, type StageContext } from "../../../jobs/ts/runtime/index.ts";
import { mountSmallDisk, type SmallDisk } from "../../support/small-disk.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";

const OUTPUT = "runs/local/Submission/demo/aggregate";
const MiB = 1024 * 1024;

describe("TypeScript stage runner on a full disk", () => {
  let disk: SmallDisk;
  let printed: string[];
  let terminationLog: string;
  let requestFile: string;
  beforeEach(async () => {
    disk = mountSmallDisk(256);
    printed = [];
    // The request and the termination log live elsewhere, as in a pod (ConfigMap, /dev/termination-log).
    terminationLog = path.join(path.dirname(disk.dir), `${path.basename(disk.dir)}-termination-log`);
    requestFile = `${terminationLog}-request.json`;
    await makeStageRequest("aggregate").write(requestFile);
  });
  afterEach(() => disk.unmount());

  const run = (stage: (ctx: StageContext) => Promise<void>) =>
    runStage({ aggregate: stage }, "aggregate", requestFile, {
      storageRoot: disk.dir,
      terminationLog,
      log: () => {},
      print: (line) => printed.push(line),
    });
  const outputFiles = async () => (await readdir(path.join(disk.dir, OUTPUT))).sort();

  it("reports an artifact that does not fit as OutOfSpace naming it, and leaves no part of it", async () => {
    const code = await run(async (ctx) => {
      await writeFileAtomic(path.join(ctx.outputDir, "submission.csv"), Buffer.alloc(MiB, 0x31));
    });
    expect(code).toBe(EXIT_RETRYABLE_FAILURE);
    const message = JSON.parse(await readFile(terminationLog, "utf8"));
    expect(message).toMatchObject({ outcome: "Failed", error: { reason: "OutOfSpace" } });
    expect(message.error.message).toContain("ENOSPC");
    expect(printed).toEqual([JSON.stringify(message)]);
    // The failed result fits once the temporary file is gone; no submission.csv, whole or partial.
    expect(await outputFiles()).toEqual(["result.json"]);
  });

  it("still tells the operator when not even result.json fits, and leaves no temporary of it", async () => {
    const code = await run(async (ctx) => {
      // A resume state the stage keeps on purpose fills the disk to the last byte.
      const state = path.join(ctx.outputDir, "resume-state.bin");
      await writeFile(state, Buffer.alloc(16 * MiB)).catch(() => {});
      await writeFileAtomic(path.join(ctx.outputDir, "submission.csv"), "prediction_id,cancer\n");
    });
    expect(code).toBe(EXIT_RETRYABLE_FAILURE);
    const message = JSON.parse(await readFile(terminationLog, "utf8"));
    expect(message).toMatchObject({ outcome: "Failed", error: { reason: "OutOfSpace" } });
    expect(message.error.message).toMatch(/ENOSPC.*; then cannot write result\.json: ENOSPC/s);
    expect(await outputFiles()).toEqual(["resume-state.bin"]);
  });
});
