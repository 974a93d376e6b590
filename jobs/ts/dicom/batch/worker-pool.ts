import { Worker } from "node:worker_threads";
import type { DecodeOutcome, DecodeTask } from "./decode-one.ts";

const WORKER_URL = new URL("./worker.ts", import.meta.url).href;

/**
 * Node 20 cannot start a worker on a .ts file with `--import tsx` (stack-notes §5.8); a data:
 * URL module registers tsx's loader inside the worker, then imports the real entry.
 */
export function startTsWorker(moduleUrl: string): Worker {
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(moduleUrl)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`));
}

/** Runs decode tasks on N worker threads, each taking the next task when it finishes one. */
export async function runOnWorkers(
  tasks: DecodeTask[],
  workers: number,
  onOutcome: (outcome: DecodeOutcome) => void,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(workers, tasks.length) }, async () => {
    const worker = startTsWorker(WORKER_URL);
    try {
      while (next < tasks.length) {
        const id = next++;
        const task = tasks[id] as DecodeTask;
        const outcome = await new Promise<DecodeOutcome>((resolve) => {
          const onMessage = (message: { id: number; outcome: DecodeOutcome }) => {
            if (message.id !== id) return;
            worker.off("error", onError);
            worker.off("message", onMessage);
            resolve(message.outcome);
          };
          const onError = (error: Error) => {
            worker.off("message", onMessage);
            resolve({ file: task.file, ok: false, error: `worker crashed on ${task.file}: ${error.message}` });
          };
          worker.on("message", onMessage);
          worker.once("error", onError);
          worker.postMessage({ id, task });
        });
        onOutcome(outcome);
      }
    } finally {
      await worker.terminate();
    }
  });
  await Promise.all(lanes);
}
