// The operator's input preflight as decisions. On a cluster only a pod that mounts the storage
// volume can see whether the files a run reads are there: before a resource's first stage (and a
// Reproduction's first child) the operator runs the check-inputs stage over the paths the run
// reads (required-inputs.ts) and holds the resource Blocked until it has said all are present.
import { canonicalJson, sha256Hex } from "../../jobs/contract/canonical-json.ts";
import {
  missingInputLine,
  PREFLIGHT_DIGEST_LENGTH,
  PREFLIGHT_ID_PREFIX,
  type RequiredInput,
} from "../../jobs/contract/missing-inputs.ts";
import { RESULT_FILE } from "../../jobs/contract/result.ts";
import { RECHECK_ANNOTATION } from "../api/annotations.ts";
import { CONDITION_MESSAGE_MAX, MISSING_INPUTS_MAX } from "../api/status.ts";
import type { Blocker } from "./dependencies.ts";
import { stageDir } from "./layout.ts";
import type { StageObservation } from "./observation.ts";
import type { ResourceId, StagePlan } from "./stage-plan.ts";

/** Why a resource waits for its preflight: it runs, it found inputs missing, or it could not look. */
export const CHECKING_INPUTS = "CheckingInputs";
export const INPUTS_MISSING = "InputsMissing";
export const INPUT_PREFLIGHT_FAILED = "InputPreflightFailed";

/**
 * Whether a start is one the preflight comes before: no stage of the plan has run, so the resource
 * is new, re-checks every stage (the recheck annotation), or every stage has a new request. A
 * later stage starts on what the ones before it found; its own reads fail it, naming the file.
 */
export const isFirstStart = (stages: readonly { phase?: string }[]): boolean =>
  stages.every((s) => s.phase === "Pending");

/**
 * The check-inputs stage of a resource for a list of required inputs: its id (so its Job's name)
 * and folder carry a digest of the list and the recheck value, so the same spec is checked once
 * and a new recheck value, or a spec that reads other paths, is checked again. A CPU pod: no GPU
 * of `gpuPool` (whose per-stage sizes it still follows).
 */
export function preflightPlan(
  owner: ResourceId,
  required: readonly RequiredInput[],
  recheck: string | undefined,
  gpuPool: string,
): StagePlan {
  const key = sha256Hex(canonicalJson({ required, recheck: recheck ?? null })).slice(0, PREFLIGHT_DIGEST_LENGTH);
  const id = `${PREFLIGHT_ID_PREFIX}${key}`;
  return {
    id,
    stage: "check-inputs",
    shards: 1,
    gpusPerPod: 0,
    gpuPool,
    inputs: {},
    parameters: { required },
    outputDir: stageDir(owner.namespace, owner.kind, owner.name, id),
  };
}

/** What the preflight decides: start its stage (and wait), wait, hold the resource, or let it start. */
export interface PreflightDecision {
  /** Start the preflight's stage now: it has no run. */
  start?: boolean;
  /** Holds the resource (Blocked); absent: every input is there, the resource's stage may start. */
  blocker?: Blocker;
}

const recheckHint = `set the ${RECHECK_ANNOTATION} annotation to a new value to check again`;

/**
 * What the preflight's run says, as a decision: no run yet → start it; running → wait
 * (CheckingInputs, with what its pod waits for); succeeded with nothing missing → go; missing
 * paths → InputsMissing, a line per path from the required list (the stages and request fields
 * that read it, the manifest field that names it) and the paths in `missingInputs`; a run that
 * failed, or ended without a check-inputs result, → InputPreflightFailed. Never a silent pass: a
 * preflight that could not look holds the resource until the recheck annotation runs it again.
 * `jobName` names its Job while it has no run.
 */
export function decidePreflight(
  plan: StagePlan,
  required: readonly RequiredInput[],
  observation: StageObservation | undefined,
  jobName = plan.id,
): PreflightDecision {
  const paths = new Set(required.map((r) => r.path)).size;
  const job = observation?.runName ?? jobName;
  if (!observation) {
    return { start: true, blocker: checking(paths, job) };
  }
  if (observation.phase === "Running") {
    const waiting = observation.message ? ` (${observation.reason ?? "waiting"}: ${observation.message})` : "";
    return { blocker: checking(paths, job, waiting) };
  }
  const result = observation.results.find((r) => r.result.stage === "check-inputs")?.result;
  // The count is what says nothing is missing: a result without it (termination.ts's fallback when
  // even the count would not fit) is no answer, never a pass.
  const missing = result?.metrics?.inputsMissing;
  if (observation.phase === "Failed" || !result || result.outcome !== "Succeeded" || typeof missing !== "number") {
    const detail = result?.error
      ? `${result.error.reason}: ${result.error.message}`
      : observation.phase === "Failed"
        ? `${observation.reason ?? "Failed"}: ${observation.message || "its pod failed"}`
        : result?.outcome === "Succeeded"
          ? "its result has no count of missing paths (metrics.inputsMissing; a termination message cut short?)"
          : "it ended without a check-inputs result (is the stage image older than the operator?)";
    return {
      blocker: {
        reason: INPUT_PREFLIGHT_FAILED,
        message:
          `the input preflight (Job ${job}) could not look at the storage volume, so no stage started: ${detail}. ` +
          `Fix what it says (e.g. the volume claim config.storage.claimName, the stage image), then ${recheckHint}; ` +
          "config.operator.inputPreflight: false turns the preflight off",
      },
    };
  }
  if (missing === 0) return {};
  const listed = result.findings ?? [];
  const head = `${missing} input(s) missing on the storage volume, so no stage started (found by Job ${job}):`;
  const tail = `After putting them there, ${recheckHint}.`;
  const allAt = `${plan.outputDir}/${RESULT_FILE} on the volume lists them all`;
  // A line per path, as many as a readable message and the CRD's limit on it hold.
  let shown = listed.slice(0, MESSAGE_PATHS);
  let message = inputsMissingMessage(head, shown, required, missing, allAt, tail);
  while (message.length > CONDITION_MESSAGE_MAX && shown.length > 0) {
    shown = shown.slice(0, Math.floor(shown.length / 2));
    message = inputsMissingMessage(head, shown, required, missing, allAt, tail);
  }
  return {
    blocker: { reason: INPUTS_MISSING, message, missingInputs: listed.slice(0, MISSING_INPUTS_MAX) },
  };
}

/** The paths an InputsMissing message names by line; the rest are counted, as in status.missingInputs. */
const MESSAGE_PATHS = 50;

function inputsMissingMessage(
  head: string,
  shown: readonly string[],
  required: readonly RequiredInput[],
  missing: number,
  allAt: string,
  tail: string,
): string {
  const lines = shown.map((path) =>
    missingInputLine(
      path,
      required.filter((r) => r.path === path),
    ),
  );
  const more = shown.length < missing ? [`  … and ${missing - shown.length} more: ${allAt}`] : [];
  return [head, ...lines, ...more, tail].join("\n");
}

/**
 * A Reproduction whose children's stages the planner cannot list (a spec the API accepted that it
 * cannot expand): held, as its children, made only after the look, do not look themselves.
 */
export function unplannedPreflight(error: string): Blocker {
  return {
    reason: INPUT_PREFLIGHT_FAILED,
    message:
      `the input preflight could not list the files its children's stages read, so no child started: ${error}. ` +
      "Its children do not look themselves: fix the spec (a change looks again); " +
      "config.operator.inputPreflight: false turns the preflight off",
  };
}

function checking(paths: number, job: string, waiting = ""): Blocker {
  return {
    reason: CHECKING_INPUTS,
    message: `checking that the ${paths} path(s) its stages read are on the storage volume before the first starts (Job ${job})${waiting}`,
  };
}
