import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Worker } from "node:worker_threads";
import type { DecodeMode } from "./decode-modes.ts";
import { listInputs, planOutputs } from "./inputs.ts";
import type { DecodeOutcome, DecodeTask } from "./outcome.ts";
import { costliestFirst } from "./schedule.ts";
import { runOnWorkers, startDecodeWorkers } from "./worker-pool.ts";
import { writeEncoded, writeFileAtomic } from "./write-file.ts";

export interface DecodeBatchOptions {
  inputs: string[];
  outDir: string;
  mode: DecodeMode;
  workers: number;
  /** Called after each file with the files done so far, of all, and how many of them failed. */
  onProgress?: (done: number, total: number, failed: number) => void;
}

export interface DecodeBatchSummary {
  total: number;
  succeeded: number;
  failures: { file: string; error: string }[];
  seconds: number;
}

/**
 * Decodes every input to `outDir/<stem>.png`, then writes `outDir/failures.jsonl` (one line per
 * failed input). A failed file never stops the others and never leaves a partial PNG.
 */
export async function runDecodeBatch(options: DecodeBatchOptions): Promise<DecodeBatchSummary> {
  const started = performance.now();
  // Two inputs or more make a batch for the worker threads (unless they turn out unreadable):
  // they start now, while this thread lists and orders the files.
  const early: Worker[] = [];
  let files: string[];
  try {
    if (options.workers > 1 && options.inputs.length > 1)
      early.push(...startDecodeWorkers(Math.min(options.workers, options.inputs.length)));
    files = await listInputs(options.inputs);
    await mkdir(options.outDir, { recursive: true });
  } catch (error) {
    await Promise.all(early.map((worker) => worker.terminate()));
    throw error;
  }
  const planned = planOutputs(files);
  const outcomes: DecodeOutcome[] = [];
  let failed = 0;
  const record = (outcome: DecodeOutcome) => {
    outcomes.push(outcome);
    if (!outcome.ok) failed++;
    options.onProgress?.(outcomes.length, planned.length, failed);
  };
  const tasks: DecodeTask[] = [];
  for (const p of planned) {
    if (p.conflict)
      record({ file: p.file, ok: false, phase: "write", error: `${path.basename(p.file)}: ${p.conflict}` });
    else tasks.push({ file: p.file, output: path.join(options.outDir, p.output), mode: options.mode });
  }
  await decodeTasks(tasks, options.workers, record, early);
  const order = new Map(files.map((f, i) => [f, i]));
  const failures = outcomes
    .filter((o): o is Extract<DecodeOutcome, { ok: false }> => !o.ok)
    .sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0))
    .map((o) => ({ file: o.file, error: o.error }));
  await writeFailures(options.outDir, failures);
  return {
    total: planned.length,
    succeeded: planned.length - failures.length,
    failures,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Decodes the tasks in this thread (one worker or one task) or on worker threads, there the
 * costliest (JPEG 2000) first; outcomes arrive as they finish.
 */
export async function decodeTasks(
  tasks: readonly DecodeTask[],
  workers: number,
  onOutcome: (outcome: DecodeOutcome) => void,
  started: readonly Worker[] = [],
): Promise<void> {
  // The codecs load in the thread that decodes: here, or in each worker only.
  if (workers <= 1 || tasks.length <= 1) {
    await Promise.all(started.map((worker) => worker.terminate()));
    const { encodeOne } = await import("./decode-one.ts");
    // Each PNG is written while the next file decodes.
    let writing: Promise<void> = Promise.resolve();
    for (const task of tasks) {
      const encoded = await encodeOne(task);
      await writing;
      writing = writeEncoded(task, encoded).then(onOutcome);
    }
    await writing;
  } else {
    await runOnWorkers(await costliestFirst(tasks), workers, writeEncoded, onOutcome, started);
  }
}

export const FAILURES_FILE = "failures.jsonl";

/** `DIR/failures.jsonl`: one JSON line per failed input (empty when none failed); returns its path. */
export async function writeFailures(
  outDir: string,
  failures: readonly { file: string; error: string }[],
): Promise<string> {
  const file = path.join(outDir, FAILURES_FILE);
  await writeFileAtomic(file, failures.map((f) => `${JSON.stringify(f)}\n`).join(""));
  return file;
}
