import path from "node:path";
import type { Worker } from "node:worker_threads";
import { startWorker, workerEntry } from "../../platform/workers.ts";
import type { DecodeOutcome, DecodeTask, Encoded } from "./outcome.ts";

const WORKER_URL = workerEntry(import.meta.url, "worker");

/** Workers whose thread has ended (noted by startDecodeWorker). */
const exited = new WeakSet<Worker>();

/**
 * A decode worker thread. An error or exit while it has no task (no task is lost) is only noted
 * here: its lane replaces it before the next task, which would otherwise wait for an answer
 * from a thread that is gone. While it has a task, runTask reports the error as the task's.
 */
function startDecodeWorker(poolSize: number): Worker {
  const worker = startWorker(WORKER_URL, poolSize);
  worker.on("error", () => undefined);
  worker.once("exit", () => exited.add(worker));
  return worker;
}

/**
 * Worker threads started ahead of the tasks: a thread takes about 0.1 s of CPU to start and load
 * the codecs, which it spends while the caller lists and orders the files. `runOnWorkers` uses
 * them first and terminates those it does not need.
 */
export function startDecodeWorkers(count: number): Worker[] {
  const workers: Worker[] = [];
  try {
    while (workers.length < count) workers.push(startDecodeWorker(count));
  } catch (error) {
    // A thread the system refused: those already started must not keep the process alive.
    for (const worker of workers) void worker.terminate();
    throw error;
  }
  return workers;
}

/**
 * Runs decode tasks on N worker threads, each taking the next task when it finishes one. A
 * worker encodes the PNG; this thread writes it (`write`) while the worker decodes its next
 * task, at most one PNG per worker pending.
 */
export async function runOnWorkers(
  tasks: readonly DecodeTask[],
  workers: number,
  write: (task: DecodeTask, encoded: Encoded) => Promise<DecodeOutcome>,
  onOutcome: (outcome: DecodeOutcome) => void,
  started: readonly Worker[] = [],
): Promise<void> {
  let next = 0;
  const laneCount = Math.min(workers, tasks.length);
  const unused = started.slice(laneCount);
  const lanes = Array.from({ length: laneCount }, async (_, lane) => {
    let worker = started[lane] ?? startDecodeWorker(laneCount);
    let writing: Promise<void> = Promise.resolve();
    try {
      while (next < tasks.length) {
        const id = next++;
        const task = tasks[id] as DecodeTask;
        if (exited.has(worker)) worker = startDecodeWorker(laneCount);
        const { encoded, crashed } = await runTask(worker, id, task, laneCount);
        await writing;
        writing = write(task, encoded).then(onOutcome);
        if (crashed) {
          // A worker that died (out of memory, a native abort) is replaced; the batch goes on.
          await worker.terminate();
          worker = startDecodeWorker(laneCount);
        }
      }
      await writing;
    } finally {
      await worker.terminate();
    }
  });
  await Promise.all([...lanes, ...unused.map((worker) => worker.terminate())]);
}

function runTask(
  worker: Worker,
  id: number,
  task: DecodeTask,
  poolSize: number,
): Promise<{ encoded: Encoded; crashed: boolean }> {
  return new Promise((resolve) => {
    const settle = (encoded: Encoded, crashed: boolean) => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      resolve({ encoded, crashed });
    };
    const onMessage = (message: { id: number; encoded: Encoded }) => {
      if (message.id === id) settle(message.encoded, false);
    };
    const onError = (error: Error) =>
      settle(
        {
          file: task.file,
          ok: false,
          phase: "read",
          error: `${path.basename(task.file)}: the decoding worker crashed (${error.message})`,
        },
        true,
      );
    const onExit = (code: number) =>
      settle(
        {
          file: task.file,
          ok: false,
          phase: "read",
          error: `${path.basename(task.file)}: the decoding worker exited with code ${code}`,
        },
        true,
      );
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    worker.postMessage({ id, task, poolSize });
  });
}
