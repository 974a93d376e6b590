import path from "node:path";
import type { Worker } from "node:worker_threads";
import { siblingModule, startWorker } from "../../platform/workers.ts";
import type { DecodeOutcome, DecodeTask, Encoded } from "./outcome.ts";

const WORKER_URL = siblingModule(import.meta.url, "worker");

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
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(workers, tasks.length) }, async () => {
    let worker = startWorker(WORKER_URL);
    let writing: Promise<void> = Promise.resolve();
    try {
      while (next < tasks.length) {
        const id = next++;
        const task = tasks[id] as DecodeTask;
        const { encoded, crashed } = await runTask(worker, id, task);
        await writing;
        writing = write(task, encoded).then(onOutcome);
        if (crashed) {
          // A worker that died (out of memory, a native abort) is replaced; the batch goes on.
          await worker.terminate();
          worker = startWorker(WORKER_URL);
        }
      }
      await writing;
    } finally {
      await worker.terminate();
    }
  });
  await Promise.all(lanes);
}

function runTask(worker: Worker, id: number, task: DecodeTask): Promise<{ encoded: Encoded; crashed: boolean }> {
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
    worker.postMessage({ id, task });
  });
}
