/**
 * Exit codes of a stage process. The Job's podFailurePolicy fails fast on PERMANENT_FAILURE and
 * retries anything else, so a stage must only use 2 when a retry cannot help.
 */
export const EXIT_SUCCESS = 0;
/** Bad request or bad input: retrying the same request cannot succeed. */
export const EXIT_PERMANENT_FAILURE = 2;
/** Anything else (crash, OOM, pre-emption) is retryable; stages use 1 for their own errors. */
export const EXIT_RETRYABLE_FAILURE = 1;
