// npm run fault:operator-kill [-- RUNS [SEED]]: the operator-kill fault loop (issue 14) on a
// control plane of its own with the simulated nodes (no real node): RUNS (default 50) runs of a
// Trained reproduction, the operator SIGKILLed 1 to 3 times in each at random moments. Prints
// the seed, a line per run (kills, when, duration, Jobs, duplicates, verdict) and a summary;
// exits 1 when any run created a Job twice or ended with a lost or wrong status.
import { randomInt } from "node:crypto";
// @ts-expect-error the builder is plain JavaScript (Node runs it without a TypeScript loader)
import { ensureBuild } from "../../../scripts/build-js.js";
import { startControlPlane } from "../harness/control-plane.ts";
import { KILL_LOOP_DEFAULTS, runKillLoop, summary, TABLE_HEADER, tableLine } from "../support/operator-kill.ts";

const runs = Number(process.argv[2] ?? 50);
const seed = Number(process.argv[3] ?? randomInt(2 ** 31));
if (!Number.isInteger(runs) || runs < 1) throw new Error(`RUNS must be a positive integer, not ${process.argv[2]}`);
if (!Number.isInteger(seed)) throw new Error(`SEED must be an integer, not ${process.argv[3]}`);

// The operator processes run the compiled build (bin/mammoflow.js); bring it up to date once.
await ensureBuild();
const plane = await startControlPlane({ withNodes: true });
const stopPlane = () => void plane.stop().finally(() => process.exit(130));
process.once("SIGINT", stopPlane);
process.once("SIGTERM", stopPlane);

let failed = true;
try {
  console.log(`operator-kill: ${runs} runs, seed ${seed} (replay: npm run fault:operator-kill -- ${runs} ${seed})`);
  console.log(TABLE_HEADER);
  const startedAt = Date.now();
  const rows = await runKillLoop({
    ...KILL_LOOP_DEFAULTS,
    admin: plane.admin,
    kubeconfig: plane.kubeconfig,
    runs,
    seed,
    onRun: (row) => console.log(tableLine(row)),
  });
  console.log(summary(rows, seed, Date.now() - startedAt));
  failed = rows.some((r) => r.verdict !== "ok");
} finally {
  await plane.stop();
}
process.exit(failed ? 1 : 0);
