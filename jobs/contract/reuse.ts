// Where a stage's request meets the reuse rule: the local runner asks before it starts a stage
// process, the TypeScript stage runtime in every process (what a pod does on a cluster), and
// records what a finished run needs for the next question. The Python runner does the same
// (jobs/python/src/mammoflow_jobs/reuse/).
import path from "node:path";
import { fingerprintInputs } from "./fingerprints.ts";
import { parameterInputs } from "./parameter-inputs.ts";
import type { StageRequest } from "./request.ts";
import { RESULT_FILE, type StageResult } from "./result.ts";
import { adoptCachedResult, indexResult, readStageResult } from "./result-cache.ts";
import { contentKeyOf, decideReuse, outputDigestOf, type ReuseScope } from "./reuse-rule.ts";

/**
 * Set (to "1") by `mammoflow run --force` for the stages it re-runs: the stage runs whatever its
 * folder or the result cache holds.
 */
export const FORCE_RUN_ENV = "MAMMOFLOW_FORCE_RUN";

/**
 * Set to `storage` on stage pods by an operator configured with
 * `storage.reuseResultsAcrossNamespaces`: results of the same work in other namespaces on the
 * storage may be copied. Absent or anything else: the request's own namespace only. An
 * environment variable, not a request field: it is the installation's policy, not the stage's
 * work, and changing it must leave every request (and its digest) as it was.
 */
export const REUSE_SCOPE_ENV = "MAMMOFLOW_REUSE_SCOPE";

/** The reuse scope a stage process was started with ($MAMMOFLOW_REUSE_SCOPE). */
export const reuseScopeOf = (env: NodeJS.ProcessEnv): ReuseScope =>
  env[REUSE_SCOPE_ENV] === "storage" ? "storage" : "namespace";

/** What the rule found for a request: the result that stands for it, or why the stage runs. */
export interface ReuseCheck {
  /** The result to use instead of running: the folder's own, or one copied from the cache. */
  result?: StageResult;
  /**
   * Where that result is: the folder's own (`own`, even one copied there by an earlier run), or
   * copied from another resource's folder by this check (`cache`).
   */
  source?: "own" | "cache";
  /** Why the stage runs (absent when a result stands). */
  why?: string;
  inputFingerprints: Record<string, string>;
  contentKey: string;
}

/**
 * The reuse rule applied to a request on the storage: the folder's own result when it is for the
 * same request bytes and its inputs' content is unchanged, else a result of the same work
 * elsewhere on the storage (copied here unless `readOnly`), else none, with the reason.
 */
export async function checkReuse(
  storageRoot: string,
  request: StageRequest,
  requestDigest: string,
  options: { force?: boolean; readOnly?: boolean; scope?: ReuseScope } = {},
): Promise<ReuseCheck> {
  const read = { ...request.inputs, ...parameterInputs(request.stage, request.parameters) };
  const inputFingerprints = await fingerprintInputs(storageRoot, read);
  const contentKey = contentKeyOf(request, inputFingerprints);
  const own = await readStageResult(path.join(storageRoot, request.outputDir, RESULT_FILE));
  const decision = decideReuse(own, { requestDigest, inputFingerprints }, options.force);
  if (decision.reuse) return { result: own, source: "own", inputFingerprints, contentKey };
  if (!options.force) {
    const startedAt = new Date().toISOString();
    const current = { requestDigest, contentKey, inputFingerprints, startedAt };
    // readOnly (a dry run): the result that would be copied, copying nothing.
    const cached = await adoptCachedResult(storageRoot, request, current, {
      copy: !options.readOnly,
      ...(options.scope ? { scope: options.scope } : {}),
    });
    if (cached) return { result: cached, source: "cache", inputFingerprints, contentKey };
  }
  return { why: decision.why, inputFingerprints, contentKey };
}

/** The fields a finished run records so that the next run can apply the rule to it. */
export function reuseRecord(
  check: Pick<ReuseCheck, "inputFingerprints" | "contentKey">,
  startedAt: string,
  finishedAt: string,
): Pick<StageResult, "inputFingerprints" | "contentKey" | "outputDigest"> {
  return {
    inputFingerprints: check.inputFingerprints,
    contentKey: check.contentKey,
    outputDigest: outputDigestOf(check.contentKey, startedAt, finishedAt),
  };
}

/** After a Succeeded result.json is written: other resources may now reuse it. */
export async function offerResult(storageRoot: string, request: StageRequest, result: StageResult): Promise<void> {
  if (result.outcome === "Succeeded" && result.contentKey && !result.reusedFrom)
    await indexResult(storageRoot, request, result.contentKey);
}
