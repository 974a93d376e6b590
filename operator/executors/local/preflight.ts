import { missingInputLine, missingInputs } from "../../../jobs/contract/missing-inputs.ts";
import { requiredPaths } from "../../pipeline/required-inputs.ts";
import { LocalPlanError, type LocalStep } from "./local-plan.ts";

// What a run reads is the pipeline's (the operator computes the same list); only the check of the
// storage folder and the refusal are the local runner's.
export { type RequiredInput as RequiredPath, requiredPaths } from "../../pipeline/required-inputs.ts";

export class LocalPreflightError extends LocalPlanError {
  override name = "LocalPreflightError";
}

/**
 * Refuses a run, before its first stage, when any path it needs is absent, naming all of them at
 * once with the stages and fields that need them and the manifest field that sets each; paths the
 * bundled assets provide say so. `gpu` holds the lines of gpuProblems (gpu-preflight.ts), refused
 * in the same message.
 */
export function assertInputsPresent(
  steps: readonly LocalStep[],
  storage: { root: string; exists: (path: string) => boolean; bundled: (path: string) => boolean },
  gpu: readonly string[] = [],
): void {
  const missing = missingInputs(requiredPaths(steps), storage.exists);
  if (missing.size === 0 && gpu.length === 0) return;
  const lines = [...missing.entries()].map(([path, needs]) =>
    missingInputLine(path, needs, storage.bundled(path) ? "bundled with mammoflow: run with --link-assets" : undefined),
  );
  const found = [
    ...(missing.size > 0 ? [`${missing.size} input(s) missing under ${storage.root}`] : []),
    ...(gpu.length > 0 ? [`${gpu.length} setting(s) need a GPU or TensorRT this machine lacks`] : []),
  ];
  throw new LocalPreflightError(`${found.join(" and ")}; nothing was started:\n${[...lines, ...gpu].join("\n")}`);
}
