import { KubeApiError } from "../kube/client.ts";
import type { StageObservation } from "../pipeline/observation.ts";
import { JOB_REJECTED } from "../pipeline/status.ts";

/**
 * Answers of the API server that the same request will get again: a 4xx other than 408
 * (timeout), 409 (conflict: re-read and retry) and 429 (throttled). Retrying them only fills the
 * log; the resource has to say so instead. Anything else (5xx, a broken connection) is retried
 * with backoff.
 */
export function isTerminalApiError(error: unknown): error is KubeApiError {
  return (
    error instanceof KubeApiError &&
    error.statusCode >= 400 &&
    error.statusCode < 500 &&
    ![408, 409, 429].includes(error.statusCode)
  );
}

/** The stage as failed because the API server refused to delete or create its objects. */
export function rejectedStart(what: string, error: KubeApiError, now: string): StageObservation {
  return {
    phase: "Failed",
    shardsSucceeded: 0,
    attempts: 0,
    finishedAt: now,
    reason: JOB_REJECTED,
    message: `the API server refused ${what} (${error.statusCode} ${error.reason}): ${error.message}`.slice(0, 4096),
    results: [],
  };
}
