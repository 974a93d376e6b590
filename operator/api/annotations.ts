/**
 * Annotations a user sets on a mammoflow resource to ask the operator for something the spec
 * does not describe (an action rather than a desired state).
 */

/**
 * Re-run the failed stages: a failed stage stays failed (its Job may be long gone) until this
 * annotation changes to a value the status has not acted on yet (`status.observedRetry`), e.g.
 * `kubectl annotate classifierfold f0 mammoflow.io/retry=2 --overwrite`.
 */
export const RETRY_ANNOTATION = "mammoflow.io/retry";

/** The retry annotation's value as the status records it (status.observedRetry holds 256). */
export function retryRequest(annotations: Readonly<Record<string, string>> | undefined): string | undefined {
  return annotations?.[RETRY_ANNOTATION]?.slice(0, 256);
}

/**
 * Re-check the inputs' content: after a data file is fixed in place (a request names inputs by
 * path, so the operator cannot see it), a new value starts every stage of a finished resource
 * again; each stage's pods re-check their inputs' content and reuse the stage's earlier result
 * when nothing it reads changed, or run when something did (jobs/contract/reuse-rule.ts).
 */
export const RECHECK_ANNOTATION = "mammoflow.io/recheck";

/** The recheck annotation's value as the status records it (status.observedRecheck holds 256). */
export function recheckRequest(annotations: Readonly<Record<string, string>> | undefined): string | undefined {
  return annotations?.[RECHECK_ANNOTATION]?.slice(0, 256);
}

/** The annotations a user may set, with what they do (the API reference lists them). */
export const USER_ANNOTATIONS: readonly { name: string; description: string }[] = [
  {
    name: RETRY_ANNOTATION,
    description:
      "Re-runs the resource's failed stages once per new value (any string, its first 256 characters count; bump a counter: `kubectl annotate KIND NAME mammoflow.io/retry=2 --overwrite`). A failed stage never re-runs by itself, not even when its Job is deleted after `ttlSecondsAfterFinished`; the status records the value it acted on as `status.observedRetry`. Changing it while nothing failed re-runs nothing. On a Reproduction, the operator sets the same value on its children.",
  },
  {
    name: RECHECK_ANNOTATION,
    description:
      "Re-checks the inputs' content once per new value (any string, its first 256 characters count; e.g. `kubectl annotate KIND NAME mammoflow.io/recheck=$(date +%s) --overwrite`). A request names its inputs by path, so a data file fixed in place on the volume changes no request and a finished resource never notices it. A new value starts every stage of the resource again, in order: each stage's pods fingerprint what the stage reads (files by content, an earlier stage's folder by the result it holds) and stand the stage's earlier result for it in seconds when nothing changed, or run the stage when something did, so exactly the stages that depend on the changed file run again; resources reading this one's outputs run again by themselves when those outputs change (their requests name `status.stages[].outputDigest`). Each stage's `reused` says which: true for a result that stood (`message` says whose), false for one that ran; the Ready condition counts both. A failed stage runs again as well. It is acted on once the resource is finished (Succeeded or Failed) and its inputs are Ready; a resource whose input resource has a recheck of its own pending waits for that one first; the status records the value as `status.observedRecheck`. On a Reproduction, the operator sets the same value on its children, which then re-check in dependency order.",
  },
];
