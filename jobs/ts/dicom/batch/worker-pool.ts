import path from "node:path";
import type { Worker } from "node:worker_threads";
import { siblingModule, startWorker } from "../../platform/workers.ts";
import type { DecodeOutcome, DecodeTask, Rendered } from "./outcome.ts";

const WORKER_URL = siblingModule(import.meta.url, "worker");

/**
 * Runs decode tasks on N worker threads, each taking the next task when it finishes one. A
 * worker renders; this thread writes the PNG (`write`) while the worker decodes its next task,
 * at most one PNG per worker pending.
 */
export async function runOnWorkers(
  tasks: readonly DecodeTask[],
  workers: number,
  write: (task: DecodeTask, rendered: Rendered) => Promise<DecodeOutcome>,
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
        const { rendered, crashed } = await runTask(worker, id, task);
        await writing;
        // Encoding may be synchronous (the native kernels): it starts once this lane has handed
        // the worker its next file, so the two overlap.
        writing = Promise.resolve()
          .then(() => write(task, rendered))
          .then(onOutcome);
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

function runTask(worker: Worker, id: number, task: DecodeTask): Promise<{ rendered: Rendered; crashed: boolean }> {
  return new Promise((resolve) => {
    const settle = (rendered: Rendered, crashed: boolean) => {
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      resolve({ rendered, crashed });
    };
    const onMessage = (message: { id: number; rendered: Rendered }) => {
      if (message.id === id) settle(message.rendered, false);
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
