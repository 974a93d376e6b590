import { performance } from "node:perf_hooks";
import type { Logger } from "../log/logger.ts";
import { KubeApiError, type KubeClient } from "./client.ts";
import { sleep } from "./informer.ts";
import {
  decideLease,
  invalidTimings,
  JITTER_FACTOR,
  type LeaseRecord,
  type LeaseTimings,
  leadingUntil,
  leaseRecordFor,
  type Observation,
  observe,
  releasedRecord,
} from "./lease-decision.ts";

export interface LeaderElectionOptions extends LeaseTimings {
  namespace: string;
  name: string;
  identity: string;
}

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseRecord;
}

/** The clocks an elector reads: monotonic ms for every decision, wall time only for the record. */
export interface ElectionClock {
  now: () => number;
  wallNow: () => Date;
}

const systemClock: ElectionClock = { now: () => performance.now(), wallNow: () => new Date() };

/** Reads and writes a release tries when its write meets a newer Lease (each one a conflict). */
const RELEASE_ATTEMPTS = 5;

/** Thrown by a write that a replica attempts while it may not act as the leader. */
export class NotLeaderError extends Error {
  override name = "NotLeaderError";
}

const leasePath = (ns: string, name?: string) =>
  `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases${name ? `/${name}` : ""}`;

/**
 * Lease-based leader election (coordination.k8s.io/v1) with client-go's semantics: expiry is
 * judged from when this replica saw the record change, never from the times written in it; a
 * leader renews every retry period, each attempt aborted at its deadline (its last successful
 * renewal's start plus the renew deadline), and stops leading at that deadline. `mayAct` is the
 * fence every other write of the process checks just before it is sent.
 */
export class LeaderElector {
  private observation: Observation | undefined;
  /** The Lease as last read or written: a renewal first tries to update it without a read. */
  private lease: Lease | undefined;
  /** Monotonic ms until which this replica may act as the leader; 0 while it may not. */
  private deadline = 0;
  /** Monotonic ms at which the last successful attempt started (the deadline is counted from it). */
  private succeededAttemptAt = 0;
  private readonly renewing = new AbortController();
  private renewLoop: Promise<void> | undefined;

  constructor(
    private readonly client: Pick<KubeClient, "request">,
    private readonly options: LeaderElectionOptions,
    private readonly log: Logger,
    private readonly clock: ElectionClock = systemClock,
  ) {
    const invalid = invalidTimings(options);
    if (invalid) throw new Error(`leader election: ${invalid}`);
  }

  /** Whether this replica holds the Lease and its deadline has not passed. */
  mayAct(now = this.clock.now()): boolean {
    return now < this.deadline;
  }

  /** The deadline as a wall-clock time (for logs and tests). */
  private deadlineAsDate(): string {
    return new Date(this.clock.wallNow().getTime() + (this.deadline - this.clock.now())).toISOString();
  }

  /**
   * One attempt to acquire or renew, aborted when `signal` fires. Resolves true when this
   * replica wrote the Lease as its holder.
   */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.options;
    const request = <T>(method: string, path: string, body?: unknown) =>
      this.client.request<T>(method, path, {
        body,
        signal,
        fenced: false,
        verb: method === "PUT" ? "update" : undefined,
      });
    const wrote = (lease: Lease) => {
      this.lease = lease;
      this.observation = observe(this.observation, lease.spec, this.clock.now());
      return true;
    };

    // Fast path (client-go's): a valid leader updates the Lease it last wrote, without a read.
    if (this.lease && this.mayAct()) {
      const spec = leaseRecordFor(
        { action: "renew" },
        this.lease.spec,
        identity,
        leaseDurationSeconds,
        this.clock.wallNow(),
      );
      try {
        return wrote(await request<Lease>("PUT", leasePath(namespace, name), { ...this.lease, spec }));
      } catch (error) {
        if (!(error instanceof KubeApiError && error.statusCode === 409)) throw error;
      }
    }

    let lease: Lease | undefined;
    try {
      lease = await request<Lease>("GET", leasePath(namespace, name));
    } catch (error) {
      if (!(error instanceof KubeApiError && error.statusCode === 404)) throw error;
    }
    this.lease = lease;
    this.observation = lease ? observe(this.observation, lease.spec, this.clock.now()) : undefined;
    const action = decideLease(this.observation, identity, this.clock.now());
    if (action.action === "wait") {
      // Another replica holds it: a leader that sees this stops now rather than at its deadline.
      this.deadline = Math.min(this.deadline, this.clock.now());
      // Each wait is logged (debug), so a standby that does not take over shows what it saw.
      const expiresInMs = Math.round(action.until - this.clock.now());
      this.log.debug({ holder: action.holder, expiresInMs }, "the Lease is held by another replica");
      return false;
    }
    const spec = leaseRecordFor(action, lease?.spec ?? {}, identity, leaseDurationSeconds, this.clock.wallNow());
    if (!lease) {
      return wrote(
        await request<Lease>("POST", leasePath(namespace), {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name, namespace },
          spec,
        }),
      );
    }
    return wrote(await request<Lease>("PUT", leasePath(namespace, name), { ...lease, spec }));
  }

  /**
   * One attempt, bounded by `until` (monotonic ms) and `stop`; a leader's deadline moves to the
   * attempt's start plus the renew deadline when it succeeds.
   */
  private async attempt(until: number, stop: AbortSignal): Promise<boolean> {
    const startedAt = this.clock.now();
    const bound = new AbortController();
    const abort = () => bound.abort(new Error("leader election attempt passed its deadline"));
    const stopped = () => bound.abort(new Error("leader election stopped"));
    const timer = setTimeout(abort, Math.max(0, until - startedAt));
    stop.addEventListener("abort", stopped, { once: true });
    try {
      if (!(await this.tryAcquireOrRenew(bound.signal))) return false;
      this.deadline = leadingUntil(startedAt, this.options.renewDeadlineSeconds);
      this.succeededAttemptAt = startedAt;
      return true;
    } catch (error) {
      // A 409 means another replica wrote the Lease first: not leading this round.
      if (error instanceof KubeApiError && error.statusCode === 409) {
        this.log.debug({ err: error.message }, "the Lease changed under this attempt");
      } else {
        this.log.warn({ err: (error as Error).message }, "leader election attempt failed");
      }
      return false;
    } finally {
      clearTimeout(timer);
      stop.removeEventListener("abort", stopped);
    }
  }

  /**
   * Blocks until this replica leads (or `signal` aborts), then keeps renewing in the
   * background; `onLost` is called once, at once, when the deadline passes without a renewal.
   */
  async acquire(signal: AbortSignal, onLost: () => void): Promise<boolean> {
    const { retryPeriodSeconds, renewDeadlineSeconds } = this.options;
    const stop = AbortSignal.any([signal, this.renewing.signal]);
    const { namespace, name, identity } = this.options;
    this.log.info({ identity, lease: `${namespace}/${name}` }, "attempting to acquire the Lease");
    while (!stop.aborted) {
      // A candidate's attempt must end in time too: it leads only until its start + the deadline.
      if ((await this.attempt(this.clock.now() + renewDeadlineSeconds * 1000, stop)) && this.mayAct()) break;
      await sleep(retryPeriodSeconds * 1000 * (1 + Math.random() * JITTER_FACTOR), stop);
    }
    if (stop.aborted) return false;
    this.log.info({ identity: this.options.identity, until: this.deadlineAsDate() }, "became leader");
    this.renewLoop = this.renew(stop, onLost);
    return true;
  }

  private async renew(stop: AbortSignal, onLost: () => void): Promise<void> {
    const retryMs = this.options.retryPeriodSeconds * 1000;
    // Renewals come a retry period after the start of the last attempt, the acquisition included:
    // counted from its end, a slow acquisition would put the first renewal past the deadline.
    let last = this.succeededAttemptAt;
    while (!stop.aborted) {
      await sleep(Math.max(0, last + retryMs - this.clock.now()), stop);
      if (stop.aborted) return;
      last = this.clock.now();
      if (this.mayAct(last)) await this.attempt(this.deadline, stop);
      if (stop.aborted) return;
      if (!this.mayAct()) {
        const deadline = this.deadlineAsDate();
        this.deadline = 0;
        this.log.error({ identity: this.options.identity, deadline }, "lost leadership");
        onLost();
        return;
      }
    }
  }

  /**
   * Gives the Lease up so a standby can take over without waiting for it to expire: renewing
   * stops first, and nothing is written by this replica as the leader afterwards.
   */
  async release(): Promise<void> {
    const wasLeading = this.mayAct();
    this.renewing.abort();
    await this.renewLoop;
    this.deadline = 0;
    if (!wasLeading || !this.lease) return;
    const { namespace, name, identity, renewDeadlineSeconds } = this.options;
    const path = leasePath(namespace, name);
    const signal = AbortSignal.timeout(renewDeadlineSeconds * 1000);
    for (let attempt = 1; ; attempt++) {
      try {
        const lease = await this.client.request<Lease>("GET", path, { signal, fenced: false });
        if (lease.spec.holderIdentity !== identity) return;
        const spec = releasedRecord(lease.spec, this.clock.wallNow());
        await this.client.request("PUT", path, { signal, fenced: false, verb: "update", body: { ...lease, spec } });
        this.log.info({ identity }, "released the Lease");
        return;
      } catch (error) {
        // The renewal that stopping aborted may still be stored by the API server after the read
        // above: read again. Without a release the standby waits a whole lease duration.
        const conflict = error instanceof KubeApiError && error.statusCode === 409;
        if (conflict && attempt < RELEASE_ATTEMPTS && !signal.aborted) continue;
        this.log.warn({ err: (error as Error).message, attempt }, "could not release the Lease");
        return;
      }
    }
  }
}
