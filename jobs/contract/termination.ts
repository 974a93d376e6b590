import type { ReusedFrom, StageResult } from "./result.ts";

/** Kubernetes keeps at most 4096 bytes of a container's termination message. */
export const TERMINATION_MESSAGE_LIMIT = 4096;

/**
 * Where a copied result came from, for a status or a log line: `Kind/name/stage`, with its
 * namespace when it is not `namespace` (the copying stage's own).
 */
export const reusedFromName = (from: ReusedFrom, namespace?: string) =>
  `${from.resource}/${from.stage}${namespace !== undefined && from.namespace !== namespace ? ` (namespace ${from.namespace})` : ""}`;

/**
 * The compact form of a result that a stage prints to its termination-message path, so the
 * operator learns the outcome without mounting the volume. Artifacts, then `findings`, are
 * dropped from the end (and `truncated` set) until it fits in `limit` bytes. `reused` says the process stood an
 * earlier result for its request instead of running (its own, or a copy from the result cache):
 * the status tells a re-checked stage that reused its result from one that ran. `namespace` is
 * the request's: a result copied from another namespace's folder names that namespace.
 */
export function compactResult(
  result: StageResult,
  limit = TERMINATION_MESSAGE_LIMIT,
  reused = false,
  namespace?: string,
  findings: readonly string[] = [],
): string {
  const compact = {
    stage: result.stage,
    outcome: result.outcome,
    requestDigest: result.requestDigest,
    ...(reused ? { reused: true } : {}),
    // Names the outputs by this execution: the operator makes it part of the requests of the
    // resources that read them, so a re-run with other outputs re-runs those (request-digest.ts).
    ...(result.outputDigest ? { outputDigest: result.outputDigest } : {}),
    metrics: result.metrics,
    problems: result.problems.length,
    ...(result.error ? { error: { reason: result.error.reason, message: result.error.message.slice(0, 1024) } } : {}),
    // Where a copied result came from (the result cache): the operator's status says so.
    ...(result.reusedFrom ? { reusedFrom: reusedFromName(result.reusedFrom, namespace) } : {}),
    // The path (storage-relative) because an artifact's name is not its file name
    // ("submission" is aggregate/submission.csv).
    artifacts: result.artifacts.map((a) =>
      a.sha256 ? { name: a.name, path: a.path, sha256: a.sha256 } : { name: a.name, path: a.path },
    ),
    // What a checking stage found, for the operator to act on (check-inputs: the missing paths);
    // its count is in metrics, so a list cut short still says how many there are.
    ...(findings.length > 0 ? { findings: [...findings] } : {}),
    truncated: false,
  };
  let text = JSON.stringify(compact);
  while (Buffer.byteLength(text) > limit && compact.artifacts.length > 0) {
    compact.artifacts.pop();
    compact.truncated = true;
    text = JSON.stringify(compact);
  }
  while (Buffer.byteLength(text) > limit && compact.findings && compact.findings.length > 0) {
    compact.findings.pop();
    compact.truncated = true;
    text = JSON.stringify(compact);
  }
  if (Buffer.byteLength(text) > limit) {
    text = JSON.stringify({
      stage: result.stage,
      outcome: result.outcome,
      requestDigest: result.requestDigest,
      ...(reused ? { reused: true } : {}),
      truncated: true,
    });
  }
  return text;
}
