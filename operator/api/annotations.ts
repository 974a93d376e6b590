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

/** The annotations a user may set, with what they do (the API reference lists them). */
export const USER_ANNOTATIONS: readonly { name: string; description: string }[] = [
  {
    name: RETRY_ANNOTATION,
    description:
      "Re-runs the resource's failed stages once per new value (any string, its first 256 characters count; bump a counter: `kubectl annotate KIND NAME mammoflow.io/retry=2 --overwrite`). A failed stage never re-runs by itself, not even when its Job is deleted after `ttlSecondsAfterFinished`; the status records the value it acted on as `status.observedRetry`. Changing it while nothing failed re-runs nothing. On a Reproduction, the operator sets the same value on its children.",
  },
];
