import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KubeApiError } from "../../../operator/kube/client.ts";
import { LeaderElector } from "../../../operator/kube/leader-election.ts";
import {
  decideLease,
  invalidTimings,
  type LeaseRecord,
  leadingUntil,
  leaseRecordFor,
  microTime,
  type Observation,
  observe,
  releasedRecord,
} from "../../../operator/kube/lease-decision.ts";
import { createLogger } from "../../../operator/log/logger.ts";

const held = (holderIdentity: string, renewTime: string, leaseDurationSeconds = 15): LeaseRecord => ({
  holderIdentity,
  leaseDurationSeconds,
  acquireTime: "2026-01-01T00:00:00.000000Z",
  renewTime,
  leaseTransitions: 2,
});

describe("observing the Lease", () => {
  it("keeps the change time while the record stays the same, and moves it when it changes", () => {
    const first = observe(undefined, held("other", "2026-01-01T00:00:10.000000Z"), 1_000);
    expect(first.changedAt).toBe(1_000);
    expect(observe(first, held("other", "2026-01-01T00:00:10.000000Z"), 9_000).changedAt).toBe(1_000);
    expect(observe(first, held("other", "2026-01-01T00:00:12.000000Z"), 9_000).changedAt).toBe(9_000);
    expect(observe(first, held("next", "2026-01-01T00:00:10.000000Z"), 9_000).changedAt).toBe(9_000);
  });

  it("counts only the election's fields as a change", () => {
    const first = observe(undefined, held("other", "2026-01-01T00:00:10.000000Z"), 1_000);
    const withStrategy = { ...held("other", "2026-01-01T00:00:10.000000Z"), strategy: "OldestEmulationVersion" };
    expect(observe(first, withStrategy, 9_000).changedAt).toBe(1_000);
  });
});

describe("deciding what to do with the Lease", () => {
  const seen = (record: LeaseRecord, changedAt: number): Observation => ({ record, changedAt });

  it("creates a Lease that does not exist", () => {
    expect(decideLease(undefined, "me", 0)).toEqual({ action: "create" });
  });

  it("renews its own Lease", () => {
    expect(decideLease(seen(held("me", "2026-01-01T00:00:00.000000Z"), 0), "me", 60_000)).toEqual({ action: "renew" });
  });

  it("takes a released Lease at once", () => {
    expect(decideLease(seen(held("", "2026-01-01T00:00:00.000000Z", 1), 5_000), "me", 5_000)).toEqual({
      action: "take-over",
    });
  });

  it("waits a whole lease duration from when it saw another holder's record change", () => {
    const record = seen(held("other", "2026-01-01T00:00:10.000000Z"), 1_000);
    expect(decideLease(record, "me", 15_999)).toEqual({ action: "wait", holder: "other", until: 16_000 });
    expect(decideLease(record, "me", 16_000)).toEqual({ action: "take-over" });
  });

  it("ignores the times written in the record (another machine's clock)", () => {
    // Written an hour "ago" by a clock that lags: still a live holder, just seen changing.
    const lagging = seen(held("other", "2025-12-31T23:00:00.000000Z"), 50_000);
    expect(decideLease(lagging, "me", 50_001)).toEqual({ action: "wait", holder: "other", until: 65_000 });
    // Written an hour "ahead" by a clock that leads: expires on this replica's clock all the same.
    const leading = seen(held("other", "2026-01-01T01:00:00.000000Z"), 50_000);
    expect(decideLease(leading, "me", 65_000)).toEqual({ action: "take-over" });
  });

  it("never takes over from a holder that keeps renewing, and takes over a silent one on time", () => {
    let observation: Observation | undefined;
    const decisions: string[] = [];
    // The holder renews every 2 s until t = 20 s; the candidate reads the Lease every 2 s.
    for (let t = 0; t <= 40_000; t += 2_000) {
      const renewTime = `2026-01-01T00:00:${String(Math.min(t, 20_000) / 1000).padStart(2, "0")}.000000Z`;
      observation = observe(observation, held("other", renewTime), t);
      const decision = decideLease(observation, "me", t);
      decisions.push(decision.action);
      if (decision.action === "take-over") break;
    }
    expect(decisions.indexOf("take-over")).toBe(decisions.length - 1);
    // Last change seen at 20 s: the first read at or after 35 s takes over, at 36 s.
    expect(decisions.length - 1).toBe(18);
  });
});

describe("the record written", () => {
  const at = new Date("2026-01-01T00:01:00.250Z");
  const previous = held("old", "2026-01-01T00:00:50.000000Z");

  it("creates with no transition, renews keeping acquireTime and transitions, counts a take-over", () => {
    expect(leaseRecordFor({ action: "create" }, {}, "me", 15, at)).toEqual({
      holderIdentity: "me",
      leaseDurationSeconds: 15,
      acquireTime: "2026-01-01T00:01:00.250000Z",
      renewTime: "2026-01-01T00:01:00.250000Z",
      leaseTransitions: 0,
    });
    expect(leaseRecordFor({ action: "renew" }, held("me", "2026-01-01T00:00:50.000000Z"), "me", 15, at)).toEqual({
      holderIdentity: "me",
      leaseDurationSeconds: 15,
      acquireTime: "2026-01-01T00:00:00.000000Z",
      renewTime: "2026-01-01T00:01:00.250000Z",
      leaseTransitions: 2,
    });
    expect(leaseRecordFor({ action: "take-over" }, previous, "me", 15, at)).toEqual({
      holderIdentity: "me",
      leaseDurationSeconds: 15,
      acquireTime: "2026-01-01T00:01:00.250000Z",
      renewTime: "2026-01-01T00:01:00.250000Z",
      leaseTransitions: 3,
    });
  });

  it("releases with no holder and a one-second duration", () => {
    expect(releasedRecord(previous, at)).toEqual({
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: "2026-01-01T00:01:00.250000Z",
      renewTime: "2026-01-01T00:01:00.250000Z",
      leaseTransitions: 2,
    });
  });

  it("writes MicroTime with six fractional digits", () => {
    expect(microTime(new Date("2026-01-01T00:00:30.123Z"))).toBe("2026-01-01T00:00:30.123000Z");
  });
});

describe("the leader's deadline", () => {
  it("ends the renew deadline after its last successful renewal started", () => {
    expect(leadingUntil(10_000, 10)).toBe(20_000);
  });

  it("ends before any other replica may take over, however late that one saw the renewal", () => {
    const renewalStarted = 10_000;
    const leaderStops = leadingUntil(renewalStarted, 10);
    for (const seenAt of [renewalStarted, renewalStarted + 1, renewalStarted + 4_000]) {
      const observation = observe(undefined, held("leader", "2026-01-01T00:00:10.000000Z", 15), seenAt);
      expect(decideLease(observation, "standby", leaderStops).action).toBe("wait");
    }
  });

  it("refuses timings that cannot keep one leader (client-go's checks)", () => {
    expect(invalidTimings({ leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 })).toBe(
      undefined,
    );
    expect(invalidTimings({ leaseDurationSeconds: 10, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 })).toBe(
      "leaseDurationSeconds (10) must be greater than renewDeadlineSeconds (10)",
    );
    expect(invalidTimings({ leaseDurationSeconds: 15, renewDeadlineSeconds: 2, retryPeriodSeconds: 2 })).toBe(
      "renewDeadlineSeconds (2) must be greater than 1.2 × retryPeriodSeconds (2)",
    );
  });
});

interface StoredLease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseRecord;
}

/**
 * The Lease endpoint of an API server, in memory; `stall` makes updates wait until aborted,
 * `stallAll` every request (an API server that accepts connections and never answers).
 */
class FakeLeaseApi {
  lease: StoredLease | undefined;
  stall = false;
  stallAll = false;
  /** How long each write takes to be answered (a loaded API server). */
  writeMs = 0;
  /**
   * A stalled write that its client aborts is still stored this long after the abort (the API
   * server went on with it), when set: as a real one may, after the client's next read.
   */
  abortedWritesLandAfterMs: number | undefined;
  readonly sent: { method: string; at: number; aborted?: number }[] = [];
  private version = 0;

  async request<T>(method: string, _path: string, options: { body?: unknown; signal?: AbortSignal } = {}) {
    const sent: { method: string; at: number; aborted?: number } = { method, at: Date.now() };
    this.sent.push(sent);
    if ((this.stall && method === "PUT") || this.stallAll) {
      return new Promise<T>((_, reject) =>
        options.signal?.addEventListener("abort", () => {
          sent.aborted = Date.now();
          reject(options.signal?.reason);
          const land = this.abortedWritesLandAfterMs;
          if (land !== undefined && method !== "GET") {
            setTimeout(() => {
              try {
                this.store(method, options.body as StoredLease);
              } catch {}
            }, land);
          }
        }),
      );
    }
    if (this.writeMs > 0 && method !== "GET") await new Promise((r) => setTimeout(r, this.writeMs));
    return this.store(method, options.body as StoredLease) as T;
  }

  private store(method: string, body: StoredLease): StoredLease {
    if (method === "GET") {
      if (!this.lease) throw new KubeApiError(404, "NotFound", "not found");
      return structuredClone(this.lease);
    }
    if (method === "POST" && this.lease) throw new KubeApiError(409, "AlreadyExists", "exists");
    if (method === "PUT" && body.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) {
      throw new KubeApiError(409, "Conflict", "modified");
    }
    this.lease = { ...body, metadata: { ...body.metadata, resourceVersion: String(++this.version) } };
    return structuredClone(this.lease);
  }

  /** Another replica renews the Lease it holds. */
  renewBy(holder: string) {
    const spec = { ...held(holder, microTime(new Date())), leaseDurationSeconds: 4 };
    this.lease = { metadata: { name: "l", namespace: "ns", resourceVersion: String(++this.version) }, spec };
  }
}

describe("LeaderElector", () => {
  const timings = { leaseDurationSeconds: 4, renewDeadlineSeconds: 3, retryPeriodSeconds: 1 };
  const log = createLogger("silent");
  const clock = { now: () => Date.now(), wallNow: () => new Date() };
  let api: FakeLeaseApi;
  const elector = (identity: string) =>
    new LeaderElector(api, { ...timings, namespace: "ns", name: "l", identity }, log, clock);

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
    api = new FakeLeaseApi();
  });
  afterEach(() => vi.useRealTimers());

  it("aborts a renewal still in flight at its deadline and reports the loss then", async () => {
    const me = elector("me");
    const lost = vi.fn();
    const started = Date.now();
    expect(await me.acquire(new AbortController().signal, lost)).toBe(true);
    api.stall = true;
    await vi.advanceTimersByTimeAsync(2_999);
    expect(me.mayAct()).toBe(true);
    expect(lost).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(me.mayAct()).toBe(false);
    expect(lost).toHaveBeenCalledTimes(1);
    const renewals = api.sent.filter((r) => r.method === "PUT");
    expect(renewals.map((r) => [r.at - started, r.aborted && r.aborted - started])).toEqual([[1_000, 3_000]]);
  });

  it("may not act once paused past its deadline, before any timer of its runs", async () => {
    const me = elector("me");
    await me.acquire(new AbortController().signal, () => {});
    vi.setSystemTime(Date.now() + 3_000); // the process was stopped: no timer fired meanwhile
    expect(me.mayAct()).toBe(false);
  });

  it("stops leading as soon as it reads another holder, not at its deadline", async () => {
    const me = elector("me");
    const lost = vi.fn();
    await me.acquire(new AbortController().signal, lost);
    api.renewBy("other");
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lost).toHaveBeenCalledTimes(1);
    expect(me.mayAct()).toBe(false);
    // The renewal without a read met a conflict; the read showed the other holder; nothing written.
    expect(api.sent.map((r) => r.method)).toEqual(["GET", "POST", "PUT", "GET"]);
    expect(api.lease?.spec.holderIdentity).toBe("other");
  });

  it("renews every retry period and keeps leading", async () => {
    const me = elector("me");
    const lost = vi.fn();
    await me.acquire(new AbortController().signal, lost);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(me.mayAct()).toBe(true);
    expect(lost).not.toHaveBeenCalled();
    // One create, then ten updates without a read (the fast path).
    expect(api.sent.map((r) => r.method)).toEqual(["GET", "POST", ...Array(10).fill("PUT")]);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: "me", leaseTransitions: 0 });
  });

  it("renews a retry period after its slow acquisition started, not after it ended, so it keeps the Lease", async () => {
    // Created at 0, answered at 2.5 s: it may act until 3 s (its start + the renew deadline).
    api.writeMs = 2_500;
    const me = elector("me");
    const lost = vi.fn();
    const acquired = me.acquire(new AbortController().signal, lost);
    await vi.advanceTimersByTimeAsync(2_500);
    expect(await acquired).toBe(true);
    api.writeMs = 0;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(lost).not.toHaveBeenCalled();
    expect(me.mayAct()).toBe(true);
    // The first renewal went out at once (2.5 s is past 0 + the 1 s retry period: the next timer
    // tick, 1 ms under fake timers), then one a second.
    const writes = api.sent.filter((r) => r.method !== "GET");
    const times = writes.map((r) => r.at - Date.parse("2026-01-01"));
    expect(writes.slice(0, 3).map((r) => r.method)).toEqual(["POST", "PUT", "PUT"]);
    expect(times[0]).toBe(0);
    expect([2_500, 2_501]).toContain(times[1]);
    expect(Number(times[2]) - Number(times[1])).toBe(1_000);
  });

  it("takes over from a silent holder a lease duration after it saw the last change", async () => {
    api.renewBy("other");
    const standby = elector("standby");
    const stop = new AbortController();
    let tookOverAt = 0;
    void standby
      .acquire(stop.signal, () => {})
      .then(() => {
        tookOverAt = Date.now();
      });
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(1_000);
      api.renewBy("other");
    }
    const lastRenewal = Date.now();
    await vi.advanceTimersByTimeAsync(20_000);
    stop.abort();
    expect(api.lease?.spec).toMatchObject({ holderIdentity: "standby", leaseTransitions: 3 });
    // Seen at its first read after the change (reads come 1 to 2.2 s apart), then 4 s.
    expect(tookOverAt - lastRenewal).toBeGreaterThanOrEqual(4_000);
    expect(tookOverAt - lastRenewal).toBeLessThanOrEqual(4_000 + 2 * 2_200);
  });

  it("keeps trying while its requests hang, each attempt aborted at the renew deadline, and takes over once the API answers", async () => {
    api.renewBy("other");
    const standby = elector("standby");
    const stop = new AbortController();
    let led: boolean | undefined;
    void standby
      .acquire(stop.signal, () => {})
      .then((result) => {
        led = result;
      });
    // The first read saw the holder; from now on nothing answers (the holder is gone too).
    api.stallAll = true;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(led).toBeUndefined();
    const hung = api.sent.slice(1);
    // An attempt every 3 s (its bound) + 1 to 2.2 s (the jittered retry period): 5 to 7 in 30 s,
    // each one a read that was aborted exactly at its bound, none left hanging longer.
    expect(hung.length).toBeGreaterThanOrEqual(5);
    expect(hung.every((r) => r.method === "GET")).toBe(true);
    expect(hung.filter((r) => r.aborted !== undefined).map((r) => (r.aborted as number) - r.at)).toEqual(
      Array(hung.length - (hung.at(-1)?.aborted === undefined ? 1 : 0)).fill(3_000),
    );
    api.stallAll = false;
    // The attempt in flight ends within 3 s, the next starts within 2.2 s more.
    await vi.advanceTimersByTimeAsync(5_200);
    stop.abort();
    expect(led).toBe(true);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: "standby", leaseTransitions: 3 });
  });

  it("releases the Lease even when the renewal that shutdown aborted is stored after the release read it", async () => {
    const me = elector("me");
    await me.acquire(new AbortController().signal, () => {});
    // A renewal in flight when the process is asked to stop; the server stores it 5 ms after the
    // abort, between the release's read and its write (10 ms).
    api.stall = true;
    await vi.advanceTimersByTimeAsync(1_001);
    api.stall = false;
    api.abortedWritesLandAfterMs = 5;
    api.writeMs = 10;
    const released = me.release();
    await vi.advanceTimersByTimeAsync(100);
    await released;
    expect(me.mayAct()).toBe(false);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    // Read, write refused (the late renewal changed the Lease), read again, write.
    expect(api.sent.slice(-4).map((r) => r.method)).toEqual(["GET", "PUT", "GET", "PUT"]);
  });

  it("releases the Lease on shutdown so a standby takes it at once", async () => {
    const me = elector("me");
    await me.acquire(new AbortController().signal, () => {});
    await me.release();
    expect(me.mayAct()).toBe(false);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1, leaseTransitions: 0 });
    const standby = elector("standby");
    expect(await standby.acquire(new AbortController().signal, () => {})).toBe(true);
    expect(api.lease?.spec).toMatchObject({ holderIdentity: "standby", leaseTransitions: 1 });
  });
});
