import path from "node:path";
import { Worker } from "node:worker_threads";
import type { PoolWorkerData } from "./pool-size.ts";

/**
 * The URL a pool starts its worker thread `name` (a module beside the caller) from: compiled,
 * the bundle scripts/build-js.js makes of it (`name.bundle.cjs`, one file to load instead of a
 * graph of ES modules); under tsx and vitest, the `.ts` module itself.
 */
export function workerEntry(callerUrl: string, name: string): string {
  const compiled = path.extname(new URL(callerUrl).pathname) !== ".ts";
  return new URL(`./${name}${compiled ? ".bundle.cjs" : ".ts"}`, callerUrl).href;
}

/**
 * A worker thread running `moduleUrl`. A compiled module starts as it is; a .ts one (tests,
 * benchmarks, `MAMMOFLOW_TSX=1`) needs tsx's loader, which Node 20 cannot give a worker with
 * `--import tsx` (stack-notes §5.8): a data: URL module registers it inside the worker, then
 * imports the real entry.
 */
export function startWorker(moduleUrl: string, poolSize: number): Worker {
  const options = { workerData: { poolSize } satisfies PoolWorkerData };
  if (!moduleUrl.endsWith(".ts")) return new Worker(new URL(moduleUrl), options);
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(moduleUrl)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}
