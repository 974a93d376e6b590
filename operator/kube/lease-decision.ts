// The decisions of Lease-based leader election, as client-go's tools/leaderelection takes them,
// as pure functions of what a replica observed and its own monotonic clock (milliseconds).
//
// Like client-go, a replica never compares the timestamps written in the Lease with its own
// clock (they come from another machine's clock): it only notes, on its own clock, when the record
// last changed, and judges expiry from that. Clock skew between replicas then does not matter.

/** The fields of a coordination.k8s.io/v1 Lease spec that leader election reads and writes. */
export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** What a replica last saw of the Lease and when, on its own clock, that record last changed. */
export interface Observation {
  record: LeaseRecord;
  /** client-go's observedTime: local monotonic ms at which the record was first seen as it is. */
  changedAt: number;
}

export interface LeaseTimings {
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

/** client-go's JitterFactor: a candidate waits retryPeriod × (1 + up to 1.2) between attempts. */
export const JITTER_FACTOR = 1.2;

/** Why a set of timings cannot keep one leader at a time (client-go's checks), or undefined. */
export function invalidTimings({ leaseDurationSeconds, renewDeadlineSeconds, retryPeriodSeconds }: LeaseTimings) {
  if (leaseDurationSeconds <= renewDeadlineSeconds) {
    return `leaseDurationSeconds (${leaseDurationSeconds}) must be greater than renewDeadlineSeconds (${renewDeadlineSeconds})`;
  }
  if (renewDeadlineSeconds <= JITTER_FACTOR * retryPeriodSeconds) {
    return `renewDeadlineSeconds (${renewDeadlineSeconds}) must be greater than ${JITTER_FACTOR} × retryPeriodSeconds (${retryPeriodSeconds})`;
  }
  return undefined;
}

const FIELDS = ["holderIdentity", "leaseDurationSeconds", "acquireTime", "renewTime", "leaseTransitions"] as const;

export function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return FIELDS.every((field) => a[field] === b[field]);
}

/** The observation after reading `record` at `now`: its change time moves only when it changed. */
export function observe(previous: Observation | undefined, record: LeaseRecord, now: number): Observation {
  const kept = Object.fromEntries(FIELDS.filter((f) => record[f] !== undefined).map((f) => [f, record[f]]));
  // Only the election's own fields count: a change to anything else is no sign of a live holder.
  if (previous && sameRecord(previous.record, kept)) return previous;
  return { record: kept as LeaseRecord, changedAt: now };
}

/** When the observed holder's Lease runs out on this replica's clock (client-go's isLeaseValid). */
export const validUntil = (observation: Observation) =>
  observation.changedAt + (observation.record.leaseDurationSeconds ?? 0) * 1000;

export type LeaseAction =
  /** No Lease yet: create it, holding it. */
  | { action: "create" }
  /** This replica holds it: renew, keeping acquireTime and the transition count. */
  | { action: "renew" }
  /** Free (released) or expired: take it over, counting one more transition. */
  | { action: "take-over" }
  /** Another replica holds it and it has not expired on this replica's clock. */
  | { action: "wait"; holder: string; until: number };

/** What a replica does with the Lease it observed (undefined: none exists) at `now`. */
export function decideLease(observation: Observation | undefined, identity: string, now: number): LeaseAction {
  if (!observation) return { action: "create" };
  const holder = observation.record.holderIdentity ?? "";
  if (holder === identity) return { action: "renew" };
  if (holder === "") return { action: "take-over" };
  const until = validUntil(observation);
  return now < until ? { action: "wait", holder, until } : { action: "take-over" };
}

/** The record to write for `action`, stamped with this replica's wall clock `at`. */
export function leaseRecordFor(
  action: Exclude<LeaseAction, { action: "wait" }>,
  previous: LeaseRecord,
  identity: string,
  leaseDurationSeconds: number,
  at: Date,
): LeaseRecord {
  const stamp = microTime(at);
  const base = { holderIdentity: identity, leaseDurationSeconds, renewTime: stamp };
  switch (action.action) {
    case "create":
      return { ...base, acquireTime: stamp, leaseTransitions: 0 };
    case "renew":
      return { ...base, acquireTime: previous.acquireTime ?? stamp, leaseTransitions: previous.leaseTransitions ?? 0 };
    case "take-over":
      return { ...base, acquireTime: stamp, leaseTransitions: (previous.leaseTransitions ?? 0) + 1 };
  }
}

/** The record that gives the Lease up at once (client-go's release: no holder, 1 s). */
export function releasedRecord(previous: LeaseRecord, at: Date): LeaseRecord {
  const stamp = microTime(at);
  return {
    holderIdentity: "",
    leaseDurationSeconds: 1,
    acquireTime: stamp,
    renewTime: stamp,
    leaseTransitions: previous.leaseTransitions ?? 0,
  };
}

/**
 * Until when a leader may act: the start of its last successful write of the Lease plus the
 * renew deadline. The write reached the API server after it started, so no other replica saw it
 * before then, and each waits a whole lease duration (longer than the renew deadline) from the
 * moment it saw it: the old leader has stopped before anyone else may start.
 *
 * client-go counts the renew deadline from the start of each renew round (a retry period after
 * the last success), which leaves the response time and a retry period less of margin.
 */
export const leadingUntil = (lastRenewStartedAt: number, renewDeadlineSeconds: number) =>
  lastRenewStartedAt + renewDeadlineSeconds * 1000;

/** metav1.MicroTime wants six fractional digits. */
export const microTime = (date: Date) => date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
