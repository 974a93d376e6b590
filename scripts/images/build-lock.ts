// One `npm run images:build` at a time per checkout: a second one waits (two would build the same
// layers twice and race on the bases). The lock is a folder holding the owner's pid; a lock whose
// owner has died is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Waits for the lock at `dir` and returns its release. */
export async function acquireBuildLock(dir: string): Promise<() => void> {
  mkdirSync(path.dirname(dir), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, "pid"), `${process.pid}\n`);
      const release = () => rmSync(dir, { recursive: true, force: true });
      process.once("exit", release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(path.join(dir, "pid"), "utf8"));
    } catch {
      // Just created by its owner, pid not written yet.
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (!announced) process.stderr.write(`images: waiting for another images:build (pid ${owner}) to finish\n`);
    announced = true;
    await sleep(2000);
  }
}
