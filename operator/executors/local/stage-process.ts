// A stage as a child process: its command line, its run with a log per attempt, its result.json.
import { spawn } from "node:child_process";
import { writeSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import type { StageRequest } from "../../../jobs/contract/request.ts";
import { RESULT_FILE, type StageResult } from "../../../jobs/contract/result.ts";
import { readStageResult } from "../../../jobs/contract/result-cache.ts";
import { stageEntryPoint } from "../../../jobs/contract/stages.ts";
import type { LocalExecutorOptions } from "./local-run-options.ts";

export const REQUEST_FILE = "request.json";

/** The process that runs a stage: the same entry points as the stage images (DESIGN.md §4). */
export function commandOf(
  request: StageRequest,
  requestFile: string,
  options: LocalExecutorOptions,
): [string, string[]] {
  const entry = stageEntryPoint(request.stage, requestFile);
  // A pod finds its storage root in MAMMOFLOW_STORAGE_ROOT (the mount path); a local run names it here.
  const args = [...entry.args, "--storage-root", options.storageRoot];
  // `mammoflow` is the repository's bin/mammoflow.js here, the image's command on PATH in a pod.
  return entry.program === "mammoflow"
    ? [process.execPath, [path.join(options.appRoot, "bin/mammoflow.js"), ...args]]
    : [options.python, args];
}

/**
 * The result in a stage folder for the request of digest `digest`, succeeded or failed (a failed
 * one says why, as its termination message does in a pod); undefined when there is none.
 */
export async function resultFor(folder: string, digest: string): Promise<StageResult | undefined> {
  const result = await readStageResult(path.join(folder, RESULT_FILE));
  return result?.requestDigest === digest ? result : undefined;
}

/** The last `lines` lines of a log. */
export async function tail(file: string, lines: number): Promise<string> {
  const text = await readFile(file, "utf8").catch(() => "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** How a stage process ended: its exit code, or the signal that killed it. */
export interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Runs the stage with its stdout and stderr written to this attempt's log file; the stderr lines
 * also go through `onLine` on the way (the progress events the runner shows live).
 */
export async function runProcess(
  command: string,
  args: string[],
  logFile: string,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void,
): Promise<ProcessEnd> {
  const log = await open(logFile, "a");
  try {
    await log.write(`\n$ ${[command, ...args].join(" ")}\n`);
    return await new Promise<ProcessEnd>((resolve, reject) => {
      const child = spawn(command, args, { stdio: ["ignore", log.fd, "pipe"], env });
      child.on("error", reject);
      // The pipe's last bytes arrive before "close" (not always before "exit").
      child.on("close", (code, signal) => resolve({ code, signal }));
      let partial = "";
      child.stderr?.setEncoding("utf8");
      child.stderr?.on("data", (chunk: string) => {
        writeSync(log.fd, chunk);
        const lines = (partial + chunk).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) onLine(line);
      });
    });
  } finally {
    await log.close();
  }
}
