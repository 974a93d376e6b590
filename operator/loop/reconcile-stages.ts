import type { Blocker } from "../pipeline/dependencies.ts";
import type { StagePlan } from "../pipeline/stage-plan.ts";
import { type Decision, decideStatus, type ResourceStatus, type StagesInput } from "../pipeline/status.ts";
import { STAGE_ACTIONS, type StageExecutor } from "./executor.ts";
import { decideAfterStart } from "./started-status.ts";

/** What one pass over a resource that runs stages starts from. */
export interface StagesPass {
  generation?: number;
  now: string;
  previous: ResourceStatus | undefined;
  /** Set when an input resource is not Ready: nothing is planned. */
  blocker?: Blocker;
  /** The resource's stages (pipeline/plan.ts), asked for only when no input blocks it. */
  plan: () => readonly StagePlan[];
  /** Value of the retry annotation, undefined when it is not set. */
  retry?: string;
  /** Value of the recheck annotation, undefined when it is not set. */
  recheck?: string;
  suspend?: boolean;
  /**
   * Asked before a stage starts (on a cluster: whether the GPU stages still to run have nodes,
   * and before the first, whether the input preflight found every file): a Blocker returned
   * holds the resource as an input that is not Ready would, and nothing starts.
   */
  holdStart?: (decision: Decision, plans: readonly StagePlan[]) => Blocker | undefined | Promise<Blocker | undefined>;
}

export interface PassOutcome {
  /** The status to report (the cluster writes it if it changed). */
  status: ResourceStatus;
  /** The stage this pass started, if any. */
  started?: string;
  /** From the executor: when to run a pass again although nothing announces a change. */
  observeAgainAfterMs?: number;
}

/**
 * One pass of the loop both the operator and the local runner run for a resource: plan → observe
 * → decide (pipeline/status.ts decideStatus) → act (delete, suspend, resume runs as decided) →
 * start the next stage, unless `holdStart` blocks it → decide again with the started stage, so
 * the status reported after a start is what the next pass will decide (one status write per
 * start on a cluster).
 */
export async function reconcileStages(pass: StagesPass, executor: StageExecutor): Promise<PassOutcome> {
  const plans = pass.blocker ? [] : pass.plan();
  const observed = await executor.observe(plans);
  const input: StagesInput = {
    generation: pass.generation,
    now: pass.now,
    previous: pass.previous,
    ...(pass.blocker ? { blocker: pass.blocker } : {}),
    plans,
    observations: observed.observations,
    ...(pass.retry !== undefined ? { retry: pass.retry } : {}),
    ...(pass.recheck !== undefined ? { recheck: pass.recheck } : {}),
    ...(observed.leaving && observed.leaving.length > 0 ? { leaving: observed.leaving } : {}),
    ...(pass.suspend !== undefined ? { suspend: pass.suspend } : {}),
  };
  let decision: Decision = decideStatus(input);
  const hold = decision.start && (await pass.holdStart?.(decision, plans));
  if (hold) decision = decideStatus({ ...input, blocker: hold });
  const start = decision.start;
  let started: string | undefined;
  try {
    for (const action of STAGE_ACTIONS) {
      for (const id of decision[action] ?? []) await executor.act?.(action, id);
    }
    if (start) {
      const observation = await executor.start(start);
      if (observation) {
        decision = decideAfterStart(input, start.id, observation);
        started = start.id;
      }
    }
  } catch (error) {
    // A refusal the same request would get again fails the stage with the executor's words;
    // a new value of the retry annotation is what tries again (so this one counts as acted on).
    const refusal = start && executor.refused?.(start, error);
    if (!start || !refusal) throw error;
    const previous = { ...pass.previous, ...(pass.retry !== undefined ? { observedRetry: pass.retry } : {}) };
    decision = decideAfterStart({ ...input, previous }, start.id, refusal);
  }
  return {
    status: decision.status,
    ...(started !== undefined ? { started } : {}),
    ...(observed.observeAgainAfterMs !== undefined ? { observeAgainAfterMs: observed.observeAgainAfterMs } : {}),
  };
}
