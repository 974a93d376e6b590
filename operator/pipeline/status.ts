import { sha256Hex } from "../../jobs/contract/canonical-json.ts";
import type { Artifact, Condition, Phase, StageStatus } from "../api/status.ts";
import type { ConditionInput } from "./conditions.ts";
import { setConditions } from "./conditions.ts";
import type { Blocker } from "./dependencies.ts";
import { shardDir } from "./layout.ts";
import { QUEUED, type StageObservation } from "./observation.ts";
import { recheckDue } from "./recheck.ts";
import { type ChildrenStatusInput, reproductionStatus } from "./reproduction-status.ts";
import { stageDigest } from "./request-digest.ts";
import type { StagePlan } from "./stage-plan.ts";

/** The status fields every kind has (operator/api/status.ts BaseStatus), and a Reproduction's children. */
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
  observedRetry?: string;
  observedRecheck?: string;
  /** The input preflight's missing paths, while it holds the resource (input-preflight.ts). */
  missingInputs?: string[];
  /** Reproduction only: the resources it created, with their phases. */
  children?: { kind: string; name: string; phase?: Phase }[];
}

/** What every status is decided from: the generation it describes, the time, the status so far. */
export interface StatusBaseInput {
  generation?: number;
  now: string;
  previous: ResourceStatus | undefined;
}

/** A resource whose spec the operator cannot act on although the API server accepted it. */
export interface InvalidSpecInput extends StatusBaseInput {
  /** Why: the schema's complaint, or a GPU pool the configuration lacks. */
  invalidSpec: string;
}

/** A resource that runs stages: its plan and what its stages' Jobs say. */
export interface StagesInput extends StatusBaseInput {
  /** Set when an input resource is not Ready; then `plans` is empty. */
  blocker?: Blocker;
  plans: readonly StagePlan[];
  observations: Readonly<Record<string, StageObservation | undefined>>;
  /** Value of the retry annotation (api/annotations.ts), undefined when it is not set. */
  retry?: string;
  /** Value of the recheck annotation (api/annotations.ts), undefined when it is not set. */
  recheck?: string;
  /**
   * Stages whose Job of an earlier request is still being deleted: they start once it is gone
   * (the new Job has the same name, and two pods must not write one stage folder).
   */
  leaving?: readonly string[];
  /** spec.suspend: start nothing, suspend the running stage's Job (resume it when false again). */
  suspend?: boolean;
}

export type StatusInput = StagesInput | InvalidSpecInput | ChildrenStatusInput;

export interface Decision {
  status: ResourceStatus;
  /** The stage to start now, if any (stages run one after another). */
  start?: StagePlan;
  /**
   * Stages whose failed Jobs must be deleted before they start again (a retry): their names are
   * deterministic, and a finished Job's template cannot be changed in place.
   */
  rerun?: string[];
  /**
   * Stages whose finished Jobs must be deleted for a recheck (the recheck annotation): they start
   * again under the same name and their pods re-check their inputs' content.
   */
  recheck?: string[];
  /**
   * Stages whose Job ran an earlier request (the spec or an input changed since): the Job is
   * deleted, running or not, and the stage starts again for its new request once it is gone.
   */
  supersede?: string[];
  /** Stages whose running Job must be suspended because the resource is (spec.suspend). */
  suspend?: string[];
  /** Stages whose Job the operator suspended for spec.suspend, to resume now that it is false. */
  resume?: string[];
}

/** The stage that stops the resource, and how the Failed condition explains it. */
interface Failure {
  reason: string;
  message: string;
  finishedAt?: string;
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

/** Reason of a stage observed Failed because the API server refused its Job (controllers/api-errors.ts). */
export const JOB_REJECTED = "JobRejected";

function failureOf(plan: StagePlan, observation: StageObservation): Failure {
  const error = observation.results.find((r) => r.result.error)?.result.error;
  const detail = error ? `${error.reason}: ${error.message}` : (observation.message ?? "the stage failed");
  return {
    reason: observation.reason === JOB_REJECTED ? "StageRejected" : "StageFailed",
    message: `stage ${plan.id} failed (${observation.reason ?? "Failed"}): ${detail}`.slice(0, 4096),
    ...(observation.finishedAt ? { finishedAt: observation.finishedAt } : {}),
  };
}

/**
 * A stage the status remembers as failed whose Job is gone (TTL, or never created): the failure
 * the status already states, so the resource stays Failed with the same words.
 */
function keptFailureOf(plan: StagePlan, kept: StageStatus, previous: ResourceStatus): Failure {
  const stated = previous.conditions?.find((c) => c.type === "Failed" && c.status === "True");
  return {
    reason: stated?.reason ?? "StageFailed",
    message: stated?.message ?? `stage ${plan.id} failed: ${kept.message ?? "the stage failed"}`.slice(0, 4096),
    ...(kept.finishedAt ? { finishedAt: kept.finishedAt } : {}),
  };
}

function stageStatus(plan: StagePlan, digest: string, observation: StageObservation | undefined): StageStatus {
  if (!observation) {
    return {
      name: plan.id,
      phase: "Pending",
      shardsTotal: plan.shards,
      shardsSucceeded: 0,
      attempts: 0,
      requestDigest: digest,
    };
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
    ...(observation.message
      ? { message: observation.message.slice(0, 4096) }
      : observation.progress
        ? { message: observation.progress.slice(0, 4096) }
        : reusedMessage(observation)),
    requestDigest: digest,
    ...(observation.phase === "Succeeded" ? { reused: stoodForRequest(observation) } : {}),
    ...outputDigestOf(observation),
  };
}

/**
 * The digest of a succeeded stage's outputs: its result's outputDigest, or for a sharded stage
 * the digest of every shard's in shard order; none when a result does not say (older images).
 */
function outputDigestOf(observation: StageObservation): { outputDigest?: string } {
  if (observation.phase !== "Succeeded" || observation.results.length === 0) return {};
  const digests = [...observation.results]
    .sort((a, b) => (a.shard ?? 0) - (b.shard ?? 0))
    .map(({ result }) => result.outputDigest);
  if (digests.some((d) => d === undefined)) return {};
  const [only] = digests;
  if (digests.length === 1 && only) return { outputDigest: only };
  return { outputDigest: sha256Hex(digests.map((d, shard) => `${shard}\t${d}\n`).join("")) };
}

/** Every shard's pod found a result standing for its request and ran nothing. */
const stoodForRequest = (observation: StageObservation) =>
  observation.results.length > 0 && observation.results.every(({ result }) => result.reused || result.reusedFrom);

/**
 * A stage whose pods copied another resource's result of the same work says whose (the result
 * cache); one whose pods found its own result standing (a recheck, inputs unchanged) says so.
 */
function reusedMessage(observation: StageObservation): { message?: string } {
  const reused = observation.results.flatMap(({ result }) => (result.reusedFrom ? [result.reusedFrom] : []));
  const total = observation.results.length;
  if (reused.length === 0) {
    if (observation.phase !== "Succeeded" || !stoodForRequest(observation)) return {};
    return { message: "its own result reused: the content of its inputs is unchanged" };
  }
  const shards =
    total === 1 ? "" : reused.length === total ? " (every shard)" : ` (${reused.length} of ${total} shards)`;
  return { message: `reused from ${[...new Set(reused)].join(", ")}${shards}`.slice(0, 4096) };
}

/** The Ready message of a finished resource: how many stages ran and how many reused a result. */
function succeededMessage(stages: readonly StageStatus[]): string {
  const all = `all ${stages.length} stages succeeded`;
  const reused = stages.filter((s) => s.reused === true).length;
  const ran = stages.filter((s) => s.reused === false).length;
  return reused === 0 ? all : `${all} (${ran} ran, ${reused} reused their results)`;
}

/**
 * The one place a status is decided, for every kind: a spec the operator cannot act on is
 * Failed with reason InvalidSpec (whatever the kind); a Reproduction's status follows its
 * children (reproduction-status.ts); a resource that runs stages, its stages (decideStages).
 */
export function decideStatus(input: StatusInput): Decision {
  if ("invalidSpec" in input) return { status: invalidSpecStatus(input) };
  if ("children" in input) return { status: reproductionStatus(input) };
  return decideStages(input);
}

/** Failed and not Ready, saying why; the rest of the status (stages, outputs) stays as it was. */
function invalidSpecStatus(input: InvalidSpecInput): ResourceStatus {
  const message = input.invalidSpec.slice(0, 4096);
  return {
    ...input.previous,
    observedGeneration: input.generation,
    phase: "Failed",
    conditions: setConditions(
      input.previous?.conditions ?? [],
      [
        { type: "Failed", status: "True", reason: "InvalidSpec", message },
        { type: "Ready", status: "False", reason: "InvalidSpec", message },
      ],
      input.now,
      input.generation,
    ),
  };
}

/**
 * Decides a resource's status from its stages' observations, and which stage to start next.
 * The status never claims less than it knew: a stage that succeeded stays succeeded and a stage
 * that failed stays failed when its Job was since deleted (TTL), and a finished resource stays
 * finished while an input stops being Ready. A failed stage runs again only when the retry
 * annotation changes to a value the status has not acted on, or when its request changes: a
 * stage is its request, so a stage whose recorded digest differs from the plan's (an edit, or an
 * input re-made) runs again, its Job of the old request deleted first, while every stage whose
 * request is unchanged keeps its outcome. spec.suspend holds a resource that is not finished:
 * nothing starts and the running stage's Job is suspended, then resumed, the same Job, when
 * suspend is false again; it changes no digest, so it re-runs and supersedes nothing.
 */
function decideStages(input: StagesInput): Decision {
  // The preflight's missing paths are listed only while it holds the resource (the blocker says them).
  const { missingInputs: _missing, ...previous }: ResourceStatus = input.previous ?? {};
  const conditions = previous.conditions ?? [];
  const retrying = input.retry !== undefined && input.retry !== previous.observedRetry;
  // A recheck starts every finished stage again, once none runs (recheck.ts): a stage the status
  // said was running and whose Job still runs holds it. (The Job of the stage a recheck has just
  // started, decided again after its start, is not one: the status said that stage was finished.)
  const stillRunning = (id: string) =>
    input.observations[id]?.phase === "Running" && previous.stages?.find((s) => s.name === id)?.phase === "Running";
  // Whether the recheck is acted on now, and so recorded as observed: never while blocked (as a retry).
  const rechecking =
    !input.blocker && recheckDue(input.recheck, previous) && !input.plans.some((plan) => stillRunning(plan.id));
  const set = (phase: Phase, next: ConditionInput[], extra: Partial<ResourceStatus> = {}): ResourceStatus => ({
    ...previous,
    ...extra,
    observedGeneration: input.generation,
    phase,
    conditions: setConditions(conditions, next, input.now, input.generation),
    ...(input.retry !== undefined ? { observedRetry: input.retry } : {}),
    ...(rechecking ? { observedRecheck: input.recheck } : {}),
  });

  if (input.blocker) {
    // Outputs that exist stay valid and a failure stays a failure: an input that is re-running
    // says nothing about them. Only a new spec or a retry has to wait for the inputs.
    const settled =
      isFinal(previous.phase) &&
      previous.observedGeneration === input.generation &&
      !retrying &&
      !recheckDue(input.recheck, previous);
    if (settled) return { status: previous };
    if (input.suspend) {
      // Nothing runs while blocked; the user's hold is what the status reports.
      const message = `spec.suspend is true: no stage starts (the inputs are not Ready either: ${input.blocker.message})`;
      const { observedRetry: _retry, ...status } = suspendedStatus(set, message);
      // As when blocked: a retry is acted on once the inputs are Ready.
      return {
        status: {
          ...status,
          ...(previous.observedRetry !== undefined ? { observedRetry: previous.observedRetry } : {}),
        },
      };
    }
    const { reason, message, missingInputs } = input.blocker;
    const { observedRetry: _retry, ...status } = set(
      "Blocked",
      [
        { type: "Blocked", status: "True", reason, message },
        { type: "Ready", status: "False", reason, message },
      ],
      missingInputs && missingInputs.length > 0 ? { missingInputs } : {},
    );
    // A retry is acted on once the inputs are Ready, not now.
    return {
      status: { ...status, ...(previous.observedRetry !== undefined ? { observedRetry: previous.observedRetry } : {}) },
    };
  }

  const stages: StageStatus[] = [];
  const artifacts: Artifact[] = [];
  const metrics: Record<string, number> = {};
  const rerun: string[] = [];
  const recheck: string[] = [];
  const supersede: string[] = [];
  let start: StagePlan | undefined;
  let failed: Failure | undefined;
  let running = false;
  let replacing: StagePlan | undefined;
  for (const plan of input.plans) {
    const digest = stageDigest(plan);
    let observation = input.observations[plan.id];
    let kept = previous.stages?.find((s) => s.name === plan.id);
    // Status and Jobs from before digests were recorded describe the request the status states.
    const recorded = kept?.requestDigest ?? digest;
    if (recorded !== digest) kept = undefined;
    const superseded = observation && (observation.requestDigest ?? recorded) !== digest;
    if (superseded) {
      supersede.push(plan.id);
      observation = undefined;
    }
    if (superseded || (!observation && input.leaving?.includes(plan.id))) {
      stages.push(stageStatus(plan, digest, undefined));
      if (!failed && !running && !start) {
        replacing = plan;
        running = true;
      }
      continue;
    }
    if (retrying && (observation?.phase === "Failed" || (!observation && kept?.phase === "Failed"))) {
      if (observation?.runName) rerun.push(plan.id);
      observation = undefined;
      kept = undefined;
    }
    const finished = observation ? observation.phase !== "Running" : kept !== undefined && isFinal(kept.phase);
    if (rechecking && finished) {
      if (observation?.runName) recheck.push(plan.id);
      observation = undefined;
      kept = undefined;
    }
    // A kept stage without a digest gets the plan's, marked adopted (see dependency-views.ts).
    const adopted = kept && kept.requestDigest === undefined ? { requestDigestAdopted: true } : {};
    if (!observation && kept?.phase === "Succeeded") {
      stages.push({ ...kept, requestDigest: digest, ...adopted });
      artifacts.push(...(previous.artifacts ?? []).filter((a) => a.path.startsWith(`${plan.outputDir}/`)));
      continue;
    }
    if (!observation && kept?.phase === "Failed") {
      stages.push({ ...kept, requestDigest: digest, ...adopted });
      if (!failed && !running && !start) failed = keptFailureOf(plan, kept, previous);
      continue;
    }
    stages.push(stageStatus(plan, digest, observation));
    if (failed || running || start) continue;
    if (!observation) {
      start = plan;
    } else if (observation.phase === "Failed") {
      failed = failureOf(plan, observation);
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
    // A stage starts now unless spec.suspend holds it: a resource suspended before its first stage has not started.
    ...(previous.startedAt || firstStart || (start && !input.suspend)
      ? { startedAt: previous.startedAt ?? firstStart ?? input.now }
      : {}),
  };
  const notBlocked: ConditionInput = { type: "Blocked", status: "False", reason: "InputsReady", message: "" };
  const rerunning = {
    ...(rerun.length > 0 ? { rerun } : {}),
    ...(recheck.length > 0 ? { recheck } : {}),
  };
  const superseding = supersede.length > 0 ? { supersede } : {};

  if (failed) {
    const { reason, message } = failed;
    return {
      status: set(
        "Failed",
        [
          notBlocked,
          { type: "Failed", status: "True", reason, message },
          { type: "Ready", status: "False", reason, message },
          { type: "Succeeded", status: "False", reason, message },
        ],
        { ...common, finishedAt: previous.finishedAt ?? failed.finishedAt ?? input.now },
      ),
      ...superseding,
    };
  }
  if (succeeded === stages.length) {
    const message = succeededMessage(stages);
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
  const current = replacing ?? start ?? input.plans[succeeded];
  const progress = `running stage ${current?.id ?? "?"} (${succeeded}/${stages.length} done)`;
  const jobs = input.plans
    .map((plan) => ({ id: plan.id, observation: input.observations[plan.id] }))
    .filter(({ id, observation }) => observation?.phase === "Running" && !supersede.includes(id));
  if (input.suspend) {
    // Suspending is not a new request: no Job is deleted or re-made, the running one only pauses.
    const held = jobs.map((j) => j.id);
    const toSuspend = jobs.filter((j) => !j.observation?.held).map((j) => j.id);
    const what = held.length > 0 ? `stage ${held.join(", ")} is suspended` : "no stage was running";
    const message = `spec.suspend is true: ${what} and no stage starts until it is false (${succeeded}/${stages.length} done)`;
    const { finishedAt: _finished, ...status } = suspendedStatus(set, message, common);
    return {
      status,
      ...(toSuspend.length > 0 ? { suspend: toSuspend } : {}),
      ...rerunning,
      ...superseding,
    };
  }
  const resume = jobs.filter((j) => j.observation?.held).map((j) => j.id);
  // A stage that waits on something that does not resolve by itself (an image that cannot be
  // pulled, no node that fits, a queue) says so instead of looking like progress.
  const waiting = input.plans
    .map((plan) => ({ plan, observation: input.observations[plan.id] }))
    .find(
      ({ plan, observation }) =>
        observation?.phase === "Running" && observation.reason && !observation.held && !supersede.includes(plan.id),
    );
  let reason = waiting?.observation?.reason ?? "StagesRunning";
  // A running stage's latest progress event (read from its log) says how far it is.
  const live = input.plans
    .map((plan) => input.observations[plan.id])
    .find((observation) => observation?.phase === "Running" && observation.progress !== undefined);
  let message = waiting
    ? `${progress}; stage ${waiting.plan.id} waits: ${waiting.observation?.reason}: ${waiting.observation?.message ?? ""}`
    : live
      ? `${progress}: ${live.progress}`
      : progress;
  if (replacing && !waiting) {
    reason = "ReplacingStage";
    message = `${progress}; stage ${replacing.id} starts for its new request once the Job of its previous request is deleted`;
  }
  // A stage Kueue has not admitted (or evicted) runs nothing: the phase says Queued, so that
  // `kubectl get` tells queued work from work that runs. A retried resource is not finished any more.
  const { finishedAt: _finished, ...status } = set(
    waiting?.observation?.reason === QUEUED ? "Queued" : "Running",
    [notBlocked, { type: "Ready", status: "False", reason, message }],
    common,
  );
  return {
    status,
    ...(start ? { start } : {}),
    ...rerunning,
    ...superseding,
    ...(resume.length > 0 ? { resume } : {}),
  };
}

/** Reason of the Suspended and Ready conditions of a resource that spec.suspend holds. */
export const SUSPENDED = "Suspended";

/** Phase Suspended, not Ready, saying what is held; not a failure, so not final either. */
function suspendedStatus(
  set: (phase: Phase, next: ConditionInput[], extra?: Partial<ResourceStatus>) => ResourceStatus,
  message: string,
  extra: Partial<ResourceStatus> = {},
): ResourceStatus {
  return set(
    "Suspended",
    [
      { type: "Suspended", status: "True", reason: SUSPENDED, message },
      { type: "Ready", status: "False", reason: SUSPENDED, message },
    ],
    extra,
  );
}
