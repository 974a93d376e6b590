/** The first attempt's log keeps the name every earlier runner and document used. */
export const FIRST_LOG = "stage.log";
const LATER_LOG = /^stage\.attempt-(\d+)\.log$/;

/** The log file of attempt `n` (1-based) of a stage in its folder: stage.log, stage.attempt-2.log, … */
export function attemptLogName(attempt: number): string {
  return attempt <= 1 ? FIRST_LOG : `stage.attempt-${attempt}.log`;
}

/**
 * The attempt a new run of a stage is, from the file names in its folder: one more than the
 * highest attempt whose log is there, so that a retry never appends to (or overwrites) the log of
 * the attempt before, and a failure's excerpt shows one attempt only.
 */
export function nextAttempt(names: readonly string[]): number {
  let last = 0;
  for (const name of names) {
    if (name === FIRST_LOG) last = Math.max(last, 1);
    const later = LATER_LOG.exec(name);
    if (later) last = Math.max(last, Number(later[1]));
  }
  return last + 1;
}
