// The operator-kill fault loop (issue 14): runs of a Trained reproduction "r" on the simulated
// nodes, each in a fresh namespace, during which the operator process is SIGKILLed at random
// moments and started again, until the reproduction ends. Each run then must have ended as it
// does without a fault: one Job per stage and request digest, none deleted or created twice,
// every status right and never taken back. Shared by tests/cluster/operator-kill.test.ts (a few
// runs) and `npm run fault:operator-kill -- N` (tests/cluster/fault/operator-kill.ts).
import type { KubeClient } from "../../../operator/kube/client.ts";
import { prng } from "../../support/prng.ts";
import { createNamespace, createResource, deleteNamespace, getResource, setBehaviour } from "./cluster.ts";
import { type OperatorProcess, startOperatorProcess } from "./operator-process.ts";
import { watchRun } from "./run-witness.ts";
import { expectFinishedOnce, FIRST_JOBS, SUCCEED_ALL, untilSucceeded } from "./trained-reproduction.ts";

export interface KillLoopOptions {
  admin: KubeClient;
  kubeconfig: string;
  runs: number;
  seed: number;
  /**
   * How long a run takes without a fault, from the operator's start to the reproduction's
   * success: each operator process lives a uniform random time in [0, expectedMs) before its kill.
   */
  expectedMs: number;
  /**
   * The first kill of a run comes within this many ms of its start (the later ones within
   * expectedMs of each restart): shorter than the fastest run (5 s on the 2-core machine), so every
   * run is killed at least once. Runs got faster (a stage start is one write since the request
   * travels in its Job): with the first kill drawn in [0, expectedMs) too, 3 runs of ~10 s all
   * went unkilled in one CI run, and the check that some run was killed failed.
   */
  firstKillWithinMs: number;
  /** Kills per run: uniform in 1..maxKills (fewer when the run ends first). */
  maxKills: number;
  /** Longest pause between a kill and the next start: uniform in [0, maxDowntimeMs). */
  maxDowntimeMs: number;
  /** Called with each finished run (to print the table as it grows). */
  onRun?: (row: KillRunRow) => void;
}

export interface KillRunRow {
  run: number;
  namespace: string;
  /** When each kill happened, in ms since the run's first operator start. */
  killedAtMs: number[];
  durationMs: number;
  /** Distinct Jobs (uids) the run created. */
  jobs: number;
  /** Job creations beyond one per Job name, plus Jobs deleted: 0 when no work was redone. */
  duplicates: number;
  /** Why the status was wrong (a regression while running, or a wrong end state); empty when right. */
  wrongStatus: string[];
  /** Which Jobs were created twice or deleted, and where a failed run's operator logged. */
  notes: string[];
  /**
   * Times the operator exited by itself (it stops at once when it loses its Lease, e.g. a renewal
   * that the API server on a loaded machine answered after the renew deadline) and was started
   * again, as a Deployment's kubelet would.
   */
  restarts: number;
  verdict: "ok" | "FAIL";
}

/**
 * The timings both entry points use: a fault-free Trained run takes about 12-15 s from the
 * operator's start on the 2-core test machine; a restarted operator first waits out the killed
 * one's Lease (4 s, operator-process.ts).
 */
export const KILL_LOOP_DEFAULTS = { expectedMs: 12_000, firstKillWithinMs: 4_000, maxKills: 3, maxDowntimeMs: 2_000 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `options.runs` runs one after another; a failed run is reported and the loop goes on. */
export async function runKillLoop(options: KillLoopOptions): Promise<KillRunRow[]> {
  // Seeded, so that a failing run can be replayed from the printed seed.
  const random = prng(options.seed);
  const rows: KillRunRow[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const row = await killRun(options, run, random);
    rows.push(row);
    options.onRun?.(row);
  }
  return rows;
}

async function killRun(options: KillLoopOptions, run: number, random: () => number): Promise<KillRunRow> {
  const { admin } = options;
  // Every draw of the run is made before it starts, so the run's random choices depend only on
  // the seed and the run number, not on how fast the machine was.
  const kills = 1 + Math.floor(random() * options.maxKills);
  const lifetimes = Array.from(
    { length: kills },
    (_, k) => random() * (k === 0 ? Math.min(options.firstKillWithinMs, options.expectedMs) : options.expectedMs),
  );
  const downtimes = Array.from({ length: kills }, () => random() * options.maxDowntimeMs);

  const namespace = await createNamespace(admin, `kill${run}`);
  await setBehaviour(admin, namespace, SUCCEED_ALL);
  const witness = await watchRun(admin, namespace);
  const start = () => startOperatorProcess({ kubeconfig: options.kubeconfig, namespace });
  const killedAtMs: number[] = [];
  const wrongStatus: string[] = [];
  let operator: OperatorProcess = start();
  // `held` while this loop kills the operator and waits out the downtime (it starts the next one
  // itself); `finished` once the run is over.
  let held = false;
  let finished = false;
  let restarts = 0;
  const supervise = (watched: OperatorProcess) => {
    void watched.exited.then(() => {
      if (held || finished || watched !== operator) return;
      restarts++;
      operator = start();
      supervise(operator);
    });
  };
  supervise(operator);
  const startedAt = Date.now();
  let durationMs = 0;
  try {
    await createResource(admin, namespace, "Reproduction", "r", {});
    const ended = async () => {
      const phase = (await getResource(admin, namespace, "Reproduction", "r")).status?.phase;
      return phase === "Succeeded" || phase === "Failed";
    };
    for (let k = 0; k < kills; k++) {
      await sleep(lifetimes[k] as number);
      if (await ended()) break;
      held = true;
      await operator.stop("SIGKILL");
      killedAtMs.push(Date.now() - startedAt);
      await sleep(downtimes[k] as number);
      operator = start();
      supervise(operator);
      held = false;
    }
    const reproduction = await untilSucceeded(admin, namespace);
    durationMs = Date.now() - startedAt;
    const firstUids = Object.fromEntries(FIRST_JOBS.map((name) => [name, witness.jobUids.get(name)?.[0]]));
    await expectFinishedOnce(admin, namespace, reproduction, firstUids);
  } catch (error) {
    wrongStatus.push((error as Error).message.split("\n")[0] ?? String(error));
  } finally {
    finished = true;
    durationMs ||= Date.now() - startedAt;
    await operator.stop("SIGTERM");
    witness.stop();
  }
  wrongStatus.push(...witness.statusRegressions);
  const uids = [...witness.jobUids.values()];
  const duplicates = uids.reduce((sum, list) => sum + list.length - 1, 0) + witness.deletedJobs.length;
  const notes: string[] = [];
  if (duplicates > 0) {
    const twice = [...witness.jobUids].filter(([, list]) => list.length > 1).map(([name]) => name);
    notes.push(`created twice: ${twice.join(", ") || "none"}; deleted: ${witness.deletedJobs.join(", ") || "none"}`);
  }
  const row: KillRunRow = {
    run,
    namespace,
    killedAtMs,
    durationMs,
    jobs: uids.reduce((sum, list) => sum + list.length, 0),
    duplicates,
    wrongStatus,
    notes,
    restarts,
    verdict: wrongStatus.length === 0 && duplicates === 0 ? "ok" : "FAIL",
  };
  // A failed run's namespace stays for inspection (its operator log path is in the report).
  if (row.verdict === "ok") await deleteNamespace(admin, namespace);
  else row.notes.push(`operator log: ${operator.logFile}`);
  return row;
}

/** The table's header and one line per run. */
export const TABLE_HEADER = "run  kills  when (s)               duration (s)  jobs  dup  verdict";

export function tableLine(row: KillRunRow): string {
  const when = row.killedAtMs.map((ms) => (ms / 1000).toFixed(1)).join(",") || "-";
  const restarted = row.restarts > 0 ? ` (${row.restarts} restart(s) after a lost Lease)` : "";
  const verdict =
    row.verdict === "ok" ? `ok${restarted}` : `FAIL${restarted}: ${[...row.wrongStatus, ...row.notes].join("; ")}`;
  return [
    String(row.run).padEnd(4),
    String(row.killedAtMs.length).padEnd(6),
    when.padEnd(22),
    (row.durationMs / 1000).toFixed(1).padEnd(13),
    String(row.jobs).padEnd(5),
    String(row.duplicates).padEnd(4),
    verdict,
  ].join(" ");
}

export function summary(rows: KillRunRow[], seed: number, totalMs: number): string {
  const kills = rows.reduce((sum, r) => sum + r.killedAtMs.length, 0);
  const duplicates = rows.reduce((sum, r) => sum + r.duplicates, 0);
  const wrong = rows.filter((r) => r.wrongStatus.length > 0).length;
  const restarts = rows.reduce((sum, r) => sum + r.restarts, 0);
  return (
    `seed ${seed}: ${rows.length} runs, ${kills} kills, ${duplicates} duplicate Jobs, ` +
    `${wrong} runs with lost or wrong status, ${restarts} restarts after a lost Lease, ${(totalMs / 60_000).toFixed(1)} min`
  );
}
