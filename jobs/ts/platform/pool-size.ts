import { workerData } from "node:worker_threads";

// Apart from workers.ts (which starts the threads and reads import.meta to find tsx): this is
// read inside the worker bundles, whose modules share one import.meta (scripts/build-js.js).

/** What startWorker tells each thread it starts. */
export interface PoolWorkerData {
  /** How many threads its pool runs at once. */
  poolSize: number;
}

/**
 * In a thread startWorker started, how many threads its pool runs at once (the thread's share
 * of the cores is cpuBudget() / that); undefined on the main thread or in another worker.
 */
export function poolSizeOfThisThread(): number | undefined {
  const size = (workerData as Partial<PoolWorkerData> | null)?.poolSize;
  return Number.isInteger(size) && (size as number) > 0 ? size : undefined;
}
