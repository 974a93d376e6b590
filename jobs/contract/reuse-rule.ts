// The one result-reuse rule (issue 17): the local runner, the TypeScript stage runtime and the
// Python runner (jobs/python/src/mammoflow_jobs/reuse/rule.py, its twin) all decide with it, and
// both languages are checked against one table, jobs/contract/reuse-cases.json.
import { canonicalJson, sha256Hex } from "./canonical-json.ts";

/** What a result.json records about the run that wrote it (StageResult's fields the rule reads). */
export interface RecordedRun {
  outcome: "Succeeded" | "Failed";
  requestDigest: string;
  /** Content fingerprint of each input when the stage ran (fingerprints.ts); absent in older results. */
  inputFingerprints?: Record<string, string>;
  contentKey?: string;
}

export type ReuseDecision = { reuse: true } | { reuse: false; why: string };

/**
 * Whether the result in a stage's own folder stands for the request now: it succeeded, for the
 * same request bytes, on inputs whose content is what it was. The request alone names inputs by
 * path, so a data file fixed in place would otherwise keep its stale dependants.
 */
export function decideReuse(
  recorded: RecordedRun | undefined,
  current: { requestDigest: string; inputFingerprints: Record<string, string> },
  force = false,
): ReuseDecision {
  if (force) return { reuse: false, why: "forced" };
  if (!recorded) return { reuse: false, why: "no result yet" };
  if (recorded.outcome !== "Succeeded") return { reuse: false, why: "the last run failed" };
  if (recorded.requestDigest !== current.requestDigest) return { reuse: false, why: "the request changed" };
  if (!recorded.inputFingerprints) return { reuse: false, why: "the result records no input fingerprints" };
  const changed = changedInput(recorded.inputFingerprints, current.inputFingerprints);
  return changed === undefined ? { reuse: true } : { reuse: false, why: `input '${changed}' changed` };
}

/**
 * Whose results a stage may copy (the operator's `storage.reuseResultsAcrossNamespaces`):
 * `namespace`, its own namespace's only (the default), or `storage`, any namespace's on the same
 * storage, for teams that share a volume and agree to share their results.
 */
export type ReuseScope = "namespace" | "storage";

/** Where a cached result lies and where it would go: namespaces, and the scope allowed. */
export interface CopyAcross {
  from: string;
  to: string;
  scope: ReuseScope;
}

/** Whether a result may be copied from namespace `from` to `to`: the same one, or the storage allows it. */
export const mayCopyAcross = (across: CopyAcross) => across.scope === "storage" || across.from === across.to;

/**
 * Whether a result another stage folder holds (found through the result index, result-cache.ts)
 * may stand for this request: it succeeded on the same work, named by content, not by paths, in
 * the request's namespace unless the scope is the whole storage.
 */
export function decideCachedReuse(
  candidate: RecordedRun | undefined,
  contentKey: string,
  across?: CopyAcross,
): ReuseDecision {
  if (!candidate) return { reuse: false, why: "no result yet" };
  if (across && !mayCopyAcross(across))
    return { reuse: false, why: `it is namespace ${across.from}'s, and namespaces share results only when allowed` };
  if (candidate.outcome !== "Succeeded") return { reuse: false, why: "the last run failed" };
  if (candidate.contentKey !== contentKey) return { reuse: false, why: "its inputs or parameters differ" };
  return { reuse: true };
}

/** The first input (in name order) added, removed or with other content; undefined when none. */
function changedInput(recorded: Record<string, string>, current: Record<string, string>): string | undefined {
  const names = [...new Set([...Object.keys(recorded), ...Object.keys(current)])].sort();
  return names.find((name) => recorded[name] !== current[name]);
}

/** The part of a request that says what work it is, whoever asks and wherever it writes. */
export interface WorkOf {
  apiVersion: string;
  stage: string;
  parameters: Record<string, unknown>;
  shard?: { index: number; count: number };
}

/**
 * The key of the result cache: the stage, its parameters and shard, and its inputs by content.
 * Not the owner nor any path, so two resources asking the same of the same data share a result;
 * an input written by an earlier stage is fingerprinted by that stage's outputDigest, so the
 * dependants of a shared result share theirs too.
 */
export function contentKeyOf(work: WorkOf, inputFingerprints: Record<string, string>): string {
  return sha256Hex(
    canonicalJson({
      apiVersion: work.apiVersion,
      stage: work.stage,
      parameters: work.parameters,
      shard: work.shard ?? null,
      inputs: inputFingerprints,
    }),
  );
}

/**
 * Names one execution's outputs: a re-run (even of the same work) gives a new one, a reuse keeps
 * it. Dependants fingerprint their inputs in a stage folder by it, so a forced re-run of a stage
 * re-runs what reads it while a reused result leaves its dependants reusable.
 */
export function outputDigestOf(contentKey: string, startedAt: string, finishedAt: string): string {
  return sha256Hex(`${contentKey}\n${startedAt}\n${finishedAt}`);
}
