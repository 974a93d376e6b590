import { canonicalJson, sha256Hex } from "../../../jobs/contract/canonical-json.ts";
import { checkReuse } from "../../../jobs/contract/reuse.ts";
import { reconcileStages } from "../../loop/reconcile-stages.ts";
import { stageRequests } from "../../pipeline/request.ts";
import type { ResourceStatus } from "../../pipeline/status.ts";
import { type LocalStep, resourceKey } from "./local-plan.ts";
import { type LocalExecutorOptions, type LocalRunOutcome, LocalStageError } from "./local-run-options.ts";
import { type LocalRunState, type LocalStageExecutor, localStageExecutor } from "./local-stage-executor.ts";
import { heldStatusOf, keyOf, reproductionStatusOf, writeStatus } from "./local-status.ts";
import { type Hold, holdLine, holdOf } from "./suspension.ts";

export {
  type LocalExecutorOptions,
  type LocalRunOutcome,
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
  report: (step: LocalStep, status: ResourceStatus) => Promise<void>,
): Promise<ResourceStatus> {
  let status: ResourceStatus | undefined;
  for (;;) {
    const pass = await reconcileStages(
      { now: new Date().toISOString(), previous: status, plan: () => step.stages },
      executor,
    );
    status = pass.status;
    await report(step, status);
    if (pass.started === undefined) return status;
  }
}

/**
 * Runs planned steps in order, each resource through the operator's loop with child processes as
 * its executor (local-stage-executor.ts), so each gets the status a cluster would give it, a held
 * one too (heldStatusOf). A failed stage stops the run with the stage, the request file and the
 * end of its log.
 */
export async function executeLocalRun(
  steps: readonly LocalStep[],
  options: LocalExecutorOptions,
): Promise<LocalRunOutcome> {
  const run: LocalRunState = {
    options,
    total: steps.filter((s) => s.execute).reduce((n, s) => n + s.stages.length, 0),
    index: 0,
    runs: [],
  };
  const held = new Map<string, Hold>();
  // Every step's latest status, and those written (steps the run executes, their Reproductions).
  const statuses = new Map<string, ResourceStatus>();
  const written = new Map<string, ResourceStatus>();
  const write = async (kind: string, name: string, status: ResourceStatus) => {
    written.set(resourceKey(kind, name), status);
    await writeStatus(options.storageRoot, kind, name, status);
  };
  const report = async (step: LocalStep, status: ResourceStatus) => {
    statuses.set(keyOf(step), status);
    if (step.execute) await write(step.resource.kind, step.resource.name, status);
  };
  // A Reproduction's status, from its children's, once this run has run or held one of them.
  const reproductionStatus = async (origin: string) => {
    const children = steps.filter((s) => s.origin === origin);
    if (!origin.startsWith("Reproduction/") || !children.some((s) => s.execute && statuses.has(keyOf(s)))) return;
    const at = { now: new Date().toISOString(), previous: written.get(origin) };
    await write("Reproduction", origin.slice("Reproduction/".length), reproductionStatusOf(children, statuses, at));
  };
  for (const step of steps) {
    const resource = keyOf(step);
    // spec.suspend: a held resource starts nothing and what needs it waits; one that finished stays finished.
    const finished = step.suspend === true && (await standsWhole(step, options));
    const hold = holdOf(
      {
        resource,
        origin: step.origin,
        suspend: step.suspend === true,
        needs: (step.needs ?? []).map((need) => resourceKey(need.kind, need.name)),
      },
      held,
      finished,
    );
    if (hold) {
      held.set(resource, hold);
      await report(step, heldStatusOf(step, statuses, new Date().toISOString()));
      if (step.execute) run.index += step.stages.length;
      options.log(holdLine(hold));
      options.onHold?.(hold);
      await reproductionStatus(step.origin);
      continue;
    }
    const executor = localStageExecutor(step, run);
    const status = await runResource(step, executor, report);
    await reproductionStatus(step.origin);
    if (status.phase === "Failed") {
      const failed = status.conditions?.find((c) => c.type === "Failed")?.message;
      throw new LocalStageError(executor.failure() ?? `${resource} failed: ${failed ?? "see its status.json"}`);
    }
  }
  return { runs: run.runs, statuses: written };
}
