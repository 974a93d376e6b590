/** The compact result a stage prints as its termination message (jobs/contract/termination.ts). */
export interface CompactResult {
  stage: string;
  outcome: "Succeeded" | "Failed";
  requestDigest?: string;
  metrics?: Record<string, number>;
  problems?: number;
  error?: { reason: string; message: string };
  /** `path` is relative to the storage root (absent from results of older stage images). */
  artifacts?: { name: string; path?: string; sha256?: string }[];
  truncated?: boolean;
  /** What a checking stage found (check-inputs: the missing paths), as many as fit; the count is in metrics. */
  findings?: string[];
  /** `Kind/name/stage` whose result the stage copied instead of running (jobs/contract/result-cache.ts). */
  reusedFrom?: string;
  /** The process stood an earlier result for its request instead of running (absent: it ran). */
  reused?: boolean;
  /** Names the outputs of the execution that made them (jobs/contract/reuse-rule.ts outputDigestOf). */
  outputDigest?: string;
}

/** Reason of a stage whose Job waits in a Kueue queue; the resource's phase is then Queued. */
export const QUEUED = "Queued";

/**
 * What an executor reports about one stage, independent of how it ran (a Job on a cluster, a
 * child process locally). Absent means the stage was never started.
 */
export interface StageObservation {
  phase: "Running" | "Succeeded" | "Failed";
  shardsSucceeded: number;
  /** Failed attempts that were retried (disruptions not counted). */
  attempts: number;
  /** Where it runs, e.g. the Job's name. */
  runName?: string;
  /** Request digest the run was started for (request-digest.ts); absent on runs from before digests. */
  requestDigest?: string;
  startedAt?: string;
  finishedAt?: string;
  /**
   * The run is paused because its resource is suspended (spec.suspend): resumed when the resource
   * no longer is. A run paused by someone else (Kueue waiting for quota) is not held.
   */
  held?: boolean;
  /** Reason of a failure (e.g. PodFailurePolicy, BackoffLimitExceeded) or of a wait. */
  reason?: string;
  message?: string;
  /**
   * The latest progress of a running stage, in words (jobs/contract/progress.ts progressSummary):
   * from the stage's log, read by the executor. The status shows it while nothing else is said.
   */
  progress?: string;
  /** Results of the finished shards (one entry, shard undefined, for unsharded stages). */
  results: { shard?: number; result: CompactResult }[];
}
