import type { Artifact, Condition, Phase, StageStatus } from "../api/status.ts";
import type { ConditionInput } from "./conditions.ts";
import { setConditions } from "./conditions.ts";
import type { Blocker } from "./dependencies.ts";
import { shardDir } from "./layout.ts";
import type { StageObservation } from "./observation.ts";
import type { StagePlan } from "./stage-plan.ts";

/** The status fields every kind has (operator/api/status.ts BaseStatus). */
export interface ResourceStatus {
  observedGeneration?: number;
  phase?: Phase;
  conditions?: Condition[];
  startedAt?: string;
  finishedAt?: string;
  progress?: { stagesSucceeded: number; stagesTotal: number; summary: string };
  stages?: StageStatus[];
  artifacts?: Artifact[];
  metrics?: Record<string, number>;
}

export interface StatusInput {
  generation?: number;
  now: string;
  previous: ResourceStatus | undefined;
  /** Set when an input resource is not Ready; then `plans` is empty. */
  blocker?: Blocker;
  plans: readonly StagePlan[];
  observations: Readonly<Record<string, StageObservation | undefined>>;
}

export interface Decision {
  status: ResourceStatus;
  /** The stage to start now, if any (stages run one after another). */
  start?: StagePlan;
}

const isFinal = (phase: Phase | undefined) => phase === "Succeeded" || phase === "Failed";

/** Artifacts of a stage's results, addressed under the stage's (or shard's) folder. */
function artifactsOf(plan: StagePlan, observation: StageObservation): Artifact[] {
  return observation.results.flatMap(({ shard, result }) =>
    (result.artifacts ?? []).map((a) => ({
      name: a.name,
      path: a.path ?? `${shard === undefined ? plan.outputDir : shardDir(plan.outputDir, shard)}/${a.name}`,
      ...(a.sha256 ? { sha256: a.sha256 } : {}),
    })),
  );
}

function failureMessage(plan: StagePlan, observation: StageObservation): string {
  const error = observation.results.find((r) => r.result.error)?.result.error;
  const detail = error ? `${error.reason}: ${error.message}` : (observation.message ?? "the stage failed");
  return `stage ${plan.id} failed (${observation.reason ?? "Failed"}): ${detail}`.slice(0, 4096);
}

function stageStatus(plan: StagePlan, observation: StageObservation | undefined, kept?: StageStatus): StageStatus {
  if (!observation) {
    return kept ?? { name: plan.id, phase: "Pending", shardsTotal: plan.shards, shardsSucceeded: 0, attempts: 0 };
  }
  return {
    name: plan.id,
    phase: observation.phase,
    shardsTotal: plan.shards,
    shardsSucceeded: observation.shardsSucceeded,
    attempts: observation.attempts,
    ...(observation.runName ? { jobName: observation.runName } : {}),
    ...(observation.startedAt ? { startedAt: observation.startedAt } : {}),
    ...(observation.finishedAt ? { finishedAt: observation.finishedAt } : {}),
    ...(observation.message ? { message: observation.message.slice(0, 4096) } : {}),
  };
}

/**
 * Decides a resource's status from its stages' observations, and which stage to start next.
 * A stage that succeeded stays succeeded even when its Job was since deleted (TTL), so no status
 * is lost and no stage re-runs.
 */
export function decideStatus(input: StatusInput): Decision {
  const previous = input.previous ?? {};
  const conditions = previous.conditions ?? [];
  const set = (phase: Phase, next: ConditionInput[], extra: Partial<ResourceStatus> = {}): ResourceStatus => ({
    ...previous,
    ...extra,
    observedGeneration: input.generation,
    phase,
    conditions: setConditions(conditions, next, input.now, input.generation),
  });

  if (input.blocker && !isFinal(previous.phase)) {
    const { reason, message } = input.blocker;
    return {
      status: set("Blocked", [
        { type: "Blocked", status: "True", reason, message },
        { type: "Ready", status: "False", reason, message },
      ]),
    };
  }

  const stages: StageStatus[] = [];
  const artifacts: Artifact[] = [];
  const metrics: Record<string, number> = {};
  let start: StagePlan | undefined;
  let failed: { plan: StagePlan; observation: StageObservation } | undefined;
  let running = false;
  for (const plan of input.plans) {
    const observation = input.observations[plan.id];
    const kept = previous.stages?.find((s) => s.name === plan.id);
    if (!observation && kept?.phase === "Succeeded") {
      stages.push(kept);
      artifacts.push(...(previous.artifacts ?? []).filter((a) => a.path.startsWith(`${plan.outputDir}/`)));
      continue;
    }
    stages.push(stageStatus(plan, observation));
    if (failed || running || start) continue;
    if (!observation) {
      start = plan;
    } else if (observation.phase === "Failed") {
      failed = { plan, observation };
    } else if (observation.phase === "Running") {
      running = true;
    } else {
      artifacts.push(...artifactsOf(plan, observation));
      if (plan.shards === 1) for (const r of observation.results) Object.assign(metrics, r.result.metrics ?? {});
    }
  }
  const succeeded = stages.filter((s) => s.phase === "Succeeded").length;
  const firstStart = stages.map((s) => s.startedAt).find((t) => t !== undefined);
  const common: Partial<ResourceStatus> = {
    stages,
    progress: { stagesSucceeded: succeeded, stagesTotal: stages.length, summary: `${succeeded}/${stages.length}` },
    ...(artifacts.length > 0 ? { artifacts } : {}),
    ...(Object.keys(metrics).length > 0 || previous.metrics ? { metrics: { ...previous.metrics, ...metrics } } : {}),
    ...(previous.startedAt || firstStart || start ? { startedAt: previous.startedAt ?? firstStart ?? input.now } : {}),
  };
  const notBlocked: ConditionInput = { type: "Blocked", status: "False", reason: "InputsReady", message: "" };

  if (failed) {
    const message = failureMessage(failed.plan, failed.observation);
    return {
      status: set(
        "Failed",
        [
          notBlocked,
          { type: "Failed", status: "True", reason: "StageFailed", message },
          { type: "Ready", status: "False", reason: "StageFailed", message },
          { type: "Succeeded", status: "False", reason: "StageFailed", message },
        ],
        { ...common, finishedAt: previous.finishedAt ?? failed.observation.finishedAt ?? input.now },
      ),
    };
  }
  if (succeeded === stages.length) {
    const message = `all ${stages.length} stages succeeded`;
    return {
      status: set(
        "Succeeded",
        [
          notBlocked,
          { type: "Ready", status: "True", reason: "Succeeded", message },
          { type: "Succeeded", status: "True", reason: "Succeeded", message },
        ],
        { ...common, finishedAt: previous.finishedAt ?? input.now },
      ),
    };
  }
  const current = start ?? input.plans[succeeded];
  const progress = `running stage ${current?.id ?? "?"} (${succeeded}/${stages.length} done)`;
  // A stage that waits on something that does not resolve by itself (an image that cannot be
  // pulled, no node that fits, a queue) says so instead of looking like progress.
  const waiting = input.plans
    .map((plan) => ({ plan, observation: input.observations[plan.id] }))
    .find(({ observation }) => observation?.phase === "Running" && observation.reason);
  const reason = waiting?.observation?.reason ?? "StagesRunning";
  const message = waiting
    ? `${progress}; stage ${waiting.plan.id} waits: ${waiting.observation?.reason}: ${waiting.observation?.message ?? ""}`
    : progress;
  return {
    status: set("Running", [notBlocked, { type: "Ready", status: "False", reason, message }], common),
    ...(start ? { start } : {}),
  };
}
