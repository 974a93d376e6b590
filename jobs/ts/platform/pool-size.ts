import { workerData } from "node:worker_threads";

// Apart from workers.ts (which starts the threads and reads import.meta to find tsx): this is
// read inside the worker bundles, whose modules share one import.meta (scripts/build-js.js).

/** What startWorker tells each thread it starts. */
export interface PoolWorkerData {
  /** How many threads its pool runs at once. */
  poolSize: number;
}

const isPoolSize = (size: unknown): size is number => Number.isInteger(size) && (size as number) > 0;

/** The size a pool gave with the task at hand, which overrides the one the thread started with. */
let announced: number | undefined;

/**
 * A pool's worker, before each task: how many threads the pool runs now. A decode pool starts its
 * first threads before it knows how many files (folders) there are, then runs as many lanes as
 * the files allow; each task says so.
 */
export function announcePoolSize(size: number | undefined): void {
  if (isPoolSize(size)) announced = size;
}

/**
 * In a thread startWorker started, how many threads its pool runs at once (the thread's share
 * of the cores is cpuBudget() / that); undefined on the main thread or in another worker.
 */
export function poolSizeOfThisThread(): number | undefined {
  if (announced !== undefined) return announced;
  const size = (workerData as Partial<PoolWorkerData> | null)?.poolSize;
  return isPoolSize(size) ? size : undefined;
}
