// Two operator replicas: only the Lease holder reconciles (every Event it records names its
// identity as reportingInstance); when it dies, the standby takes the Lease and carries on; when
// it is paused past its deadline, it writes nothing more once resumed and exits; when it is
// stopped gracefully mid-run, it releases the Lease and the standby finishes the run at once.
import { afterAll, describe, expect, it, onTestFailed } from "vitest";
import { succeeding } from "./support/cluster.ts";
import { type TestNamespace, useClusterNamespaces } from "./support/namespace.ts";
import { leaderIdentity, type OperatorProcess } from "./support/operator-process.ts";
import {
  createWithFirstJobsHeld,
  expectSucceedsOnce,
  SUCCEED_ALL,
  WHOLE_RUN_MS,
} from "./support/trained-reproduction.ts";
import { waitFor } from "./support/wait.ts";

interface LeaseSpec {
  holderIdentity?: string;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}
interface EventObject {
  reason: string;
  reportingInstance?: string;
  involvedObject: { name: string };
}
interface LogLine {
  level: string;
  time: string;
  msg: string;
  holder?: string;
  method?: string;
  path?: string;
  deadline?: string;
}

// client-go's 15 s / 10 s / 2 s scaled down, with margins a loaded 2-core machine keeps: a renewal
// may take up to 4 s (five tries) before the leader gives up.
const LEASE = { leaseDurationSeconds: 8, renewDeadlineSeconds: 5, retryPeriodSeconds: 1 };
// For the graceful hand-over, a lease far longer than a release takes, so that a take-over by
// expiry cannot pass for one by release on a slow machine.
const HANDOVER_LEASE = { leaseDurationSeconds: 60, renewDeadlineSeconds: 40, retryPeriodSeconds: 1 };

// A line still being written when the file is read does not parse yet: it is left out.
const parsed = (line: string): LogLine | undefined => {
  try {
    return line.startsWith("{") ? (JSON.parse(line) as LogLine) : undefined;
  } catch {
    return undefined;
  }
};
const logLines = (replica: OperatorProcess) =>
  replica
    .logs()
    .split("\n")
    .map(parsed)
    .filter((line) => line !== undefined);

// The election's log lines (debug included: the test's replicas log at debug), warnings and
// anything that is not a log line (a crash's stack): what explains a take-over that did not come.
const ELECTION = /Lease|leader|caches synced|stopping/;
const electionLines = (replica: OperatorProcess) =>
  replica
    .logs()
    .split("\n")
    .filter((line) => {
      const entry = parsed(line);
      if (!entry) return line.trim() !== "";
      return ELECTION.test(entry.msg) || (entry.level !== "debug" && entry.level !== "info");
    });
const replicaStates = (pair: OperatorProcess[]) => pair.map((r) => `pid ${r.pid} ${r.state()}, log ${r.logFile}`);
const replicaReport = (pair: OperatorProcess[]) =>
  pair
    .map((r) => `replica pid ${r.pid} (${r.state()}), log ${r.logFile}:\n  ${electionLines(r).slice(-60).join("\n  ")}`)
    .join("\n");

describe("leader election", () => {
  const namespaces = useClusterNamespaces();
  let paused: OperatorProcess | undefined;
  // Declared after the namespaces' afterAll, so it runs before it: a paused replica stops only
  // once it may run again.
  afterAll(() => {
    if (paused) process.kill(paused.pid, "SIGCONT");
  });

  /** A fresh namespace with two replicas watching it; resolves once one of them leads. */
  async function twoReplicas(prefix: string, timings = LEASE) {
    const namespace = await namespaces.open(prefix);
    const ns = namespace.name;
    await namespace.behave(succeeding("export-onnx"));
    const config = { operator: { metricsPort: 0, healthPort: 0, resyncSeconds: 30, ...timings } };
    const pair = [0, 1].map(() => namespace.startOperator({ config }));
    // Any failure of this test prints what each replica did in the election (their logs are
    // files in a temporary folder, which may be gone when someone looks).
    onTestFailed(() => console.error(`leader election in ${ns}:\n${replicaReport(pair)}`));
    const states = () => replicaStates(pair);
    const lease = async () =>
      (
        await namespace.admin.get<{ spec: LeaseSpec }>(
          `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/mammoflow-operator`,
        )
      ).spec;
    const holder = await waitFor("a leader", async () => (await lease()).holderIdentity || undefined, 90_000, states);
    const leader = await waitFor(
      "the leader's log line",
      () => pair.find((r) => leaderIdentity(r) === holder),
      90_000,
      states,
    );
    const standby = pair.find((r) => r !== leader) as OperatorProcess;
    expect(leaderIdentity(standby)).toBeUndefined();
    // A standby exists only once it has read the Lease and waits on it (it could have died at its
    // start, or still be syncing its caches): without one, killing the leader proves nothing.
    await waitFor(
      "the standby to read the Lease held by the leader",
      () =>
        logLines(standby).some((l) => l.msg === "the Lease is held by another replica" && l.holder === holder) &&
        standby.state() === "running",
      90_000,
      states,
    );
    return { namespace, lease, holder, leader, standby, states };
  }

  const train = (namespace: TestNamespace, name: string) =>
    namespace.create("RoiDetectorTraining", name, { source: "Trained", checkpoint: "assets/d.pth" });
  const succeeded = (namespace: TestNamespace, name: string) =>
    waitFor(
      `${name} to succeed`,
      async () => (await namespace.get("RoiDetectorTraining", name)).status?.phase === "Succeeded",
    );
  // The recorder posts Events after the status write it reports, so a resource can read Succeeded
  // before its Succeeded Event exists: wait for that Event, then take all of the resource's.
  const eventsOf = async (namespace: TestNamespace, name: string) => {
    const list = async () =>
      (await namespace.admin.list<EventObject>(`/api/v1/namespaces/${namespace.name}/events`)).items.filter(
        (e) => e.involvedObject.name === name,
      );
    return waitFor(`${name}'s Succeeded event`, async () => {
      const events = await list();
      return events.some((e) => e.reason === "Succeeded") ? events : undefined;
    });
  };
  // A replica writes the Lease before it logs that it leads: wait for the line, then compare.
  const leadsAs = (replica: OperatorProcess, states: () => string[]) =>
    waitFor("the new leader's log line", async () => leaderIdentity(replica), 90_000, states);
  const newHolder = (lease: () => Promise<LeaseSpec>, old: string, states: () => string[]) =>
    waitFor(
      "a new leader",
      async () => {
        const h = (await lease()).holderIdentity;
        return h && h !== old ? h : undefined;
      },
      90_000,
      states,
    );

  it("lets only the leader act, and hands over when the leader dies", async () => {
    const { namespace, lease, holder, leader, standby, states } = await twoReplicas("leader");

    await train(namespace, "first");
    await succeeded(namespace, "first");
    const firstEvents = await eventsOf(namespace, "first");
    // A stage's start and the Running it makes are no Events by default (controllers/phase-events.ts).
    expect(firstEvents.map((e) => e.reason).sort()).toEqual(["Succeeded"]);
    expect(new Set(firstEvents.map((e) => e.reportingInstance))).toEqual(new Set([holder]));

    // The leader crashes (no graceful release): the standby waits for the Lease to expire.
    await leader.stop("SIGKILL");
    const next = await newHolder(lease, holder, states);
    expect(await leadsAs(standby, states)).toBe(next);
    expect((await lease()).leaseTransitions).toBe(1);

    await train(namespace, "second");
    await succeeded(namespace, "second");
    expect(new Set((await eventsOf(namespace, "second")).map((e) => e.reportingInstance))).toEqual(new Set([next]));
  });

  it("fences a paused leader: the standby takes over a lease duration after its last renewal, the old leader writes nothing after its deadline and exits 1", async () => {
    const { namespace, lease, holder, leader, standby, states } = await twoReplicas("fence");
    const logOf = logLines;
    const writesOf = (replica: OperatorProcess) => logOf(replica).filter((l) => l.msg === "api write");

    await train(namespace, "before");
    await succeeded(namespace, "before");
    // The count below is meaningful: the leader's writes are in its log.
    expect(writesOf(leader).filter((w) => w.path?.includes("/events")).length).toBeGreaterThan(0);

    // The old holder's last renewal, as the API server stored it.
    let lastRenewal: LeaseSpec | undefined;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const spec = await lease().catch(() => undefined);
        if (spec?.holderIdentity === holder) lastRenewal = spec;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    // Stop the leader in the middle of a reconcile (its first write for a new resource is in
    // its log, the next ones wait on answers), so that on resume it has writes to attempt.
    await train(namespace, "in-flight");
    const startedWriting = Date.now() + 30_000;
    while (!writesOf(leader).some((w) => w.path?.includes("/in-flight"))) {
      if (Date.now() > startedWriting) throw new Error("the leader never started on in-flight");
      await new Promise((r) => setTimeout(r, 5));
    }
    process.kill(leader.pid, "SIGSTOP");
    const pausedAt = Date.now();
    paused = leader;
    let next: string;
    try {
      await train(namespace, "while-paused");
      next = await newHolder(lease, holder, states);
      polling = false;
      await poll;
      expect(await leadsAs(standby, states)).toBe(next);
      const taken = await lease();
      expect(taken.leaseTransitions).toBe(1);
      // Expiry judged on the standby's clock from when it saw the last renewal: never earlier
      // than a whole lease duration after that renewal was written.
      expect(
        Date.parse(taken.acquireTime as string) - Date.parse(lastRenewal?.renewTime as string),
      ).toBeGreaterThanOrEqual(LEASE.leaseDurationSeconds * 1000);
      await succeeded(namespace, "in-flight");
      await succeeded(namespace, "while-paused");
    } finally {
      polling = false;
      process.kill(leader.pid, "SIGCONT");
      paused = undefined;
    }

    // Resumed long past its deadline: it stops at once and exits non-zero (a Deployment restarts
    // it as a standby), having written nothing after its deadline.
    const code = await Promise.race([leader.exited, new Promise((r) => setTimeout(() => r("still running"), 30_000))]);
    expect(code).toBe(1);
    const lost = logOf(leader).find((l) => l.msg === "lost leadership");
    expect(lost?.deadline).toBeDefined();
    const deadline = Date.parse(lost?.deadline as string);
    // Its last renewal started before it was stopped (100 ms for the signal to land).
    expect(deadline).toBeLessThanOrEqual(pausedAt + 100 + LEASE.renewDeadlineSeconds * 1000);
    expect(writesOf(leader).filter((w) => Date.parse(w.time) >= deadline)).toEqual([]);
    expect(logOf(leader).some((l) => l.msg === "stopping at once: the Lease was lost")).toBe(true);
    // Whether this run's interleaving sent a write into the fence (the assertion above holds either way).
    const refused = logOf(leader).filter((l) => l.msg === "api write refused");
    console.info(`paused leader: ${refused.length} write(s) refused after resume`);

    expect(new Set((await eventsOf(namespace, "while-paused")).map((e) => e.reportingInstance))).toEqual(
      new Set([next]),
    );
    // The new leader carries on.
    await train(namespace, "after");
    await succeeded(namespace, "after");
  });

  it(
    "hands over on SIGTERM with stages in flight: the leader releases the Lease, the standby takes it long before it would expire, no Job twice",
    async () => {
      const { namespace, lease, holder, leader, standby, states } = await twoReplicas("handover", HANDOVER_LEASE);
      const firstUids = await createWithFirstJobsHeld(namespace);

      // The first stages finish as the leader is asked to stop: their completions, the status
      // writes and the next stages' Jobs fall to either replica, each exactly once.
      const renewedBefore = Date.parse((await lease()).renewTime as string);
      await namespace.behave(SUCCEED_ALL);
      const terminatedAt = Date.now();
      expect(await leader.stop("SIGTERM")).toBe(0);
      const next = await newHolder(lease, holder, states);
      const handOver = Date.now() - terminatedAt;
      console.info(`hand-over on SIGTERM: the standby led ${handOver} ms after the signal`);
      expect(await leadsAs(standby, states)).toBe(next);
      const taken = await lease();
      expect(taken.leaseTransitions).toBe(1);
      // Expiry would take a whole lease duration from the old holder's last renewal (which is no
      // earlier than renewedBefore): a take-over within half of it came from the release.
      expect(Date.parse(taken.acquireTime as string) - renewedBefore).toBeLessThan(
        (HANDOVER_LEASE.leaseDurationSeconds * 1000) / 2,
      );
      expect(handOver).toBeLessThan((HANDOVER_LEASE.leaseDurationSeconds * 1000) / 2);

      // The old leader drained its reconciles, then released the Lease, and wrote nothing after.
      const log = logLines(leader);
      const released = log.find((l) => l.msg === "released the Lease");
      expect(released, "the old leader's 'released the Lease' log line").toBeDefined();
      const writesAfter = log.filter(
        (l) => l.msg === "api write" && Date.parse(l.time) > Date.parse(released?.time as string),
      );
      expect(writesAfter).toEqual([]);

      await expectSucceedsOnce(namespace, firstUids);
    },
    WHOLE_RUN_MS,
  );
});
