import path from "node:path";
import { Worker } from "node:worker_threads";

/**
 * The URL of module `name` beside the calling module, with the caller's own extension: .js when
 * the caller runs from the compiled build (build/js, what `mammoflow` runs), .ts under tsx and
 * vitest. `new URL("./x.ts", import.meta.url)` is a string to the compiler, never rewritten.
 */
export function siblingModule(callerUrl: string, name: string): string {
  return new URL(`./${name}${path.extname(new URL(callerUrl).pathname)}`, callerUrl).href;
}

/**
 * A worker thread running `moduleUrl`. A compiled module starts as it is; a .ts one (tests,
 * benchmarks, `MAMMOFLOW_TSX=1`) needs tsx's loader, which Node 20 cannot give a worker with
 * `--import tsx` (stack-notes §5.8): a data: URL module registers it inside the worker, then
 * imports the real entry.
 */
export function startWorker(moduleUrl: string): Worker {
  if (!moduleUrl.endsWith(".ts")) return new Worker(new URL(moduleUrl));
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(moduleUrl)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`));
}
