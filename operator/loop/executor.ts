import type { StageObservation } from "../pipeline/observation.ts";
import type { StagePlan } from "../pipeline/stage-plan.ts";

/** What an executor sees of a resource's stages now. */
export interface ObservedStages {
  /** By stage id; absent: the stage has no run (never started, or its run is gone). */
  observations: Record<string, StageObservation | undefined>;
  /** Stages whose run of an earlier request is still going away (pipeline/status.ts StagesInput.leaving). */
  leaving?: string[];
  /** When to look again although nothing will announce a change (a Job without pods, progress in a log). */
  observeAgainAfterMs?: number;
}

/** What a decision asks of a stage that has a run (pipeline/status.ts Decision, in the order they are done). */
export const STAGE_ACTIONS = ["supersede", "rerun", "recheck", "suspend", "resume"] as const;
export type StageAction = (typeof STAGE_ACTIONS)[number];

/**
 * The one seam between the loop (reconcile-stages.ts) and a place that runs stages: a cluster
 * (a Job per stage, controllers/kubernetes-stage-executor.ts) or this machine (a child process per
 * shard, executors/local/local-stage-executor.ts). The loop decides; the executor only does.
 */
export interface StageExecutor {
  observe(plans: readonly StagePlan[]): Promise<ObservedStages>;
  /**
   * Starts a stage and says what it is right after: running, or already finished where the start
   * waits for the end (the local runner). Undefined: not started now (a start of this replica is
   * still on its way into the cache).
   */
  start(plan: StagePlan): Promise<StageObservation | undefined>;
  /** Deletes, suspends or resumes a stage's run. Absent where no run outlives a pass (the local runner). */
  act?(action: StageAction, stageId: string): Promise<void>;
  /**
   * The stage as failed when `error`, thrown while acting for or starting it, is a refusal the
   * same request would get again; undefined lets the error through (the pass is tried again).
   */
  refused?(plan: StagePlan, error: unknown): StageObservation | undefined;
}
