import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const SCRIPT = path.resolve(import.meta.dirname, "../../../scripts/build-js.js");

/** A process that holds the build lock of `root` for a while and logs when it enters and leaves. */
const holder = (root: string, log: string) =>
  run(process.execPath, [
    "--input-type=module",
    "-e",
    `import { appendFileSync } from "node:fs";
     const { withLock } = await import(${JSON.stringify(SCRIPT)});
     await withLock(${JSON.stringify(root)}, async () => {
       appendFileSync(${JSON.stringify(log)}, "enter " + process.pid + "\\n");
       await new Promise((r) => setTimeout(r, 150));
       appendFileSync(${JSON.stringify(log)}, "leave " + process.pid + "\\n");
     });`,
  ]);

describe("the compiled build's lock (scripts/build-js.js)", () => {
  it("lets one process in at a time when several start together, and leaves nothing behind", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "mammoflow-build-lock-"));
    const log = path.join(root, "log");
    writeFileSync(log, "");
    await Promise.all(Array.from({ length: 6 }, () => holder(root, log)));
    const lines = readFileSync(log, "utf8").trim().split("\n");
    expect(lines).toHaveLength(12);
    for (let i = 0; i < lines.length; i += 2) {
      const pid = lines[i]?.split(" ")[1];
      expect([lines[i], lines[i + 1]]).toEqual([`enter ${pid}`, `leave ${pid}`]);
    }
    expect(readdirSync(path.join(root, "build"))).toEqual([]);
  }, 60_000);

  it("takes over a lock whose owner is dead", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "mammoflow-build-lock-"));
    const lock = path.join(root, "build/js.lock");
    mkdirSync(lock, { recursive: true });
    // A pid above the kernel's pid_max: no such process.
    writeFileSync(path.join(lock, "pid"), "99999999");
    const log = path.join(root, "log");
    writeFileSync(log, "");
    await holder(root, log);
    expect(readFileSync(log, "utf8")).toMatch(/^enter \d+\nleave \d+\n$/);
    expect(readdirSync(path.join(root, "build"))).toEqual([]);
  }, 30_000);
});
