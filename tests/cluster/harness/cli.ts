// npm run cluster:up / cluster:down / cluster:build. `up` leaves the control plane running in
// the background (state in tests/cluster/.state/cluster.json) and prints the kubeconfig path.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CLUSTER_DIR, controlPlaneBinary } from "./binary.ts";
import { startControlPlane } from "./control-plane.ts";
import { stopProcess } from "./processes.ts";

const STATE_DIR = path.join(CLUSTER_DIR, ".state");
const STATE_FILE = path.join(STATE_DIR, "cluster.json");

interface State {
  dir: string;
  kubeconfig: string;
  pids: { name: string; pid: number }[];
}

async function up(): Promise<number> {
  if (existsSync(STATE_FILE)) {
    const state = JSON.parse(readFileSync(STATE_FILE, "utf8")) as State;
    process.stderr.write(`cluster: already up (npm run cluster:down first)\n`);
    process.stdout.write(`${state.kubeconfig}\n`);
    return 1;
  }
  mkdirSync(STATE_DIR, { recursive: true });
  const dir = path.join(STATE_DIR, "run");
  rmSync(dir, { recursive: true, force: true });
  const plane = await startControlPlane({ withNodes: true, detached: true, dir });
  const state: State = {
    dir: plane.dir,
    kubeconfig: plane.kubeconfig,
    pids: plane.components.map(({ name, pid }) => ({ name, pid })),
  };
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
  process.stderr.write(`cluster: up (${state.pids.map((p) => p.name).join(", ")}); logs in ${plane.dir}\n`);
  process.stderr.write(`cluster: export KUBECONFIG=${plane.kubeconfig}\n`);
  process.stdout.write(`${plane.kubeconfig}\n`);
  return 0;
}

async function down(): Promise<number> {
  if (!existsSync(STATE_FILE)) {
    process.stderr.write("cluster: not up\n");
    return 0;
  }
  const state = JSON.parse(readFileSync(STATE_FILE, "utf8")) as State;
  for (const { pid } of [...state.pids].reverse()) await stopProcess(pid);
  rmSync(STATE_FILE);
  process.stderr.write(`cluster: stopped ${state.pids.length} processes\n`);
  return 0;
}

const command = process.argv[2];
const commands: Record<string, () => Promise<number>> = {
  up,
  down,
  build: async () => {
    process.stdout.write(`${controlPlaneBinary()}\n`);
    return 0;
  },
};
const run = command ? commands[command] : undefined;
if (!run) {
  process.stderr.write("usage: cli.ts up|down|build\n");
  process.exitCode = 2;
} else {
  process.exitCode = await run();
}
