import { canonicalJson, sha256Hex } from "../../../jobs/contract/canonical-json.ts";
import { checkReuse } from "../../../jobs/contract/reuse.ts";
import { reconcileStages } from "../../loop/reconcile-stages.ts";
import { stageRequests } from "../../pipeline/request.ts";
import type { ResourceStatus } from "../../pipeline/status.ts";
import type { LocalStep } from "./local-plan.ts";
import { type LocalExecutorOptions, LocalStageError, type StageRun } from "./local-run-options.ts";
import { type LocalRunState, type LocalStageExecutor, localStageExecutor } from "./local-stage-executor.ts";
import { keyOf, reproductionStatusOf, writeStatus } from "./local-status.ts";
import { type Hold, holdLine, holdOf } from "./suspension.ts";

export {
  type LocalExecutorOptions,
  LocalStageError,
  type ProgressDisplay,
  type StageRun,
} from "./local-run-options.ts";

/** Whether a result stands for every stage of a step, none of them forced (a finished resource stays finished). */
async function standsWhole(step: LocalStep, options: LocalExecutorOptions): Promise<boolean> {
  const resource = keyOf(step);
  for (const plan of step.stages) {
    if (options.force?.has(`${resource}/${plan.id}`)) return false;
    for (const request of stageRequests(step.resource, plan)) {
      // An input an earlier stage would make is missing, so nothing stands for this stage.
      // Read-only, and only the folder's own result: a held resource gets nothing copied into it.
      const check = await checkReuse(options.storageRoot, request, sha256Hex(canonicalJson(request)), {
        readOnly: true,
      }).catch(() => undefined);
      if (!check?.result || check.source !== "own") return false;
    }
  }
  return true;
}

/**
 * One resource through the loop the operator runs (operator/loop/reconcile-stages.ts), pass after
 * pass until nothing more starts: its status is decided by pipeline/status.ts as on a cluster and
 * written to its status.json after each pass (a stage's pass ends when its processes did).
 */
async function runResource(
  step: LocalStep,
  executor: LocalStageExecutor,
  storageRoot: string,
): Promise<ResourceStatus> {
  const { kind, name } = step.resource;
  let status: ResourceStatus | undefined;
  for (;;) {
    const pass = await reconcileStages(
      { now: new Date().toISOString(), previous: status, plan: () => step.stages },
      executor,
    );
    status = pass.status;
    if (step.execute) await writeStatus(storageRoot, kind, name, status);
    if (pass.started === undefined) return status;
  }
}

/**
 * Runs planned steps in order, each resource through the operator's loop with child processes as
 * its executor (local-stage-executor.ts), so each gets the status a cluster would give it. A
 * failed stage stops the run with the stage, the request file and the end of its log.
 */
export async function executeLocalRun(steps: readonly LocalStep[], options: LocalExecutorOptions): Promise<StageRun[]> {
  const run: LocalRunState = {
    options,
    total: steps.filter((s) => s.execute).reduce((n, s) => n + s.stages.length, 0),
    index: 0,
    runs: [],
  };
  const held = new Map<string, Hold>();
  const statuses = new Map<string, ResourceStatus>();
  const reproductions = new Map<string, ResourceStatus>();
  // A Reproduction's status, from its children's, once this run has run one of them.
  const reproductionStatus = async (origin: string) => {
    const children = steps.filter((s) => s.origin === origin);
    if (!origin.startsWith("Reproduction/") || !children.some((s) => s.execute && statuses.has(keyOf(s)))) return;
    const at = { now: new Date().toISOString(), previous: reproductions.get(origin) };
    const status = reproductionStatusOf(children, { statuses, holds: held }, at);
    reproductions.set(origin, status);
    await writeStatus(options.storageRoot, "Reproduction", origin.slice("Reproduction/".length), status);
  };
  for (const step of steps) {
    const resource = keyOf(step);
    // spec.suspend: a held resource starts nothing and what needs it waits; one that finished stays finished.
    const finished = step.suspend === true && (await standsWhole(step, options));
    const hold = holdOf(
      { resource, origin: step.origin, suspend: step.suspend === true, needs: step.needs ?? [] },
      held,
      finished,
    );
    if (hold) {
      held.set(resource, hold);
      if (step.execute) run.index += step.stages.length;
      options.log(holdLine(hold));
      options.onHold?.(hold);
      await reproductionStatus(step.origin);
      continue;
    }
    const executor = localStageExecutor(step, run);
    const status = await runResource(step, executor, options.storageRoot);
    statuses.set(resource, status);
    await reproductionStatus(step.origin);
    if (status.phase === "Failed") {
      const failed = status.conditions?.find((c) => c.type === "Failed")?.message;
      throw new LocalStageError(executor.failure() ?? `${resource} failed: ${failed ?? "see its status.json"}`);
    }
  }
  return run.runs;
}
