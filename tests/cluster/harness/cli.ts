// npm run cluster:up / cluster:down / cluster:build. `up` leaves the control plane running in
// the background (state in tests/cluster/.state/cluster.json) and prints the kubeconfig path.
// As root with containerd installed (`npm run setup:test`), it also starts the real node
// kubelet-0 and loads the stage images `npm run images:build` made, so pods really run;
// `--no-real-node` leaves it out. `preload` builds the stage images and imports them into the
// real node's containerd ahead of a test run (harness/preload.ts), and builds Kueue meanwhile.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CLUSTER_DIR, controlPlaneBinary } from "./binary.ts";
import { startControlPlane } from "./control-plane.ts";
import { kueueBinary } from "./kueue-binary.ts";
import { stopDetachedNode } from "./node-lock.ts";
import { preloadStageImages } from "./preload.ts";
import { stopProcess } from "./processes.ts";
import { REAL_NODE_LABEL } from "./real-node.ts";
import { loadStageImages } from "./stage-images.ts";

const STATE_DIR = path.join(CLUSTER_DIR, ".state");
const STATE_FILE = path.join(STATE_DIR, "cluster.json");

interface State {
  dir: string;
  kubeconfig: string;
  pids: { name: string; pid: number }[];
}

/** Why this machine cannot run the real node, or undefined when it can. */
function realNodeUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "it needs root";
  for (const program of ["containerd", "ctr", "runc"]) {
    try {
      execFileSync("which", [program], { stdio: "ignore" });
    } catch {
      return `${program} is not installed (npm run setup:test installs it)`;
    }
  }
  return undefined;
}

/** Loads the stage images the last `npm run images:build` recorded; returns their references. */
function loadBuiltStageImages(containerdAddress: string): string[] {
  try {
    const images = loadStageImages(containerdAddress);
    return [images.typescriptStage, images.pythonStage];
  } catch (error) {
    process.stderr.write(`cluster: ${(error as Error).message}; no stage image is on the real node\n`);
    return [];
  }
}

async function up(flags: string[]): Promise<number> {
  if (existsSync(STATE_FILE)) {
    const state = JSON.parse(readFileSync(STATE_FILE, "utf8")) as State;
    process.stderr.write(`cluster: already up (npm run cluster:down first)\n`);
    process.stdout.write(`${state.kubeconfig}\n`);
    return 1;
  }
  mkdirSync(STATE_DIR, { recursive: true });
  const dir = path.join(STATE_DIR, "run");
  rmSync(dir, { recursive: true, force: true });
  const unavailable = flags.includes("--no-real-node") ? "--no-real-node" : realNodeUnavailable();
  if (unavailable) process.stderr.write(`cluster: no real node (${unavailable}); pods are only simulated\n`);
  const plane = await startControlPlane({ withNodes: true, realNode: !unavailable, detached: true, dir });
  const state: State = {
    dir: plane.dir,
    kubeconfig: plane.kubeconfig,
    pids: plane.components.map(({ name, pid }) => ({ name, pid })),
  };
  writeFileSync(STATE_FILE, `${JSON.stringify(state, null, 2)}\n`);
  if (plane.realNode) {
    const images = loadBuiltStageImages(plane.realNode.containerdAddress);
    process.stderr.write(
      `cluster: real node ${plane.realNode.name} (pods there need a toleration of the taint ${REAL_NODE_LABEL}=true:NoSchedule)` +
        `${images.length > 0 ? `; images with imagePullPolicy Never: ${images.join(", ")}` : ""}\n`,
    );
  }
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
  // The node first, while the API server still takes its kubelet's last updates.
  const node = await stopDetachedNode();
  for (const { pid } of [...state.pids].reverse()) await stopProcess(pid);
  rmSync(STATE_FILE);
  process.stderr.write(`cluster: stopped ${state.pids.length} processes${node ? " and the real node" : ""}\n`);
  return 0;
}

const command = process.argv[2];
const commands: Record<string, () => Promise<number>> = {
  up: () => up(process.argv.slice(3)),
  down,
  preload: async () => {
    // Kueue compiles (CPU, about 5 min cold) while the images build and load (downloads, disk):
    // its `go install` is spawned first, since the image build blocks this process meanwhile.
    const outcomes = await Promise.allSettled([kueueBinary(), preloadStageImages()]);
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
    return 0;
  },
  build: async () => {
    process.stdout.write(`${controlPlaneBinary()}\n`);
    return 0;
  },
};
const run = command ? commands[command] : undefined;
if (!run) {
  process.stderr.write("usage: cli.ts up [--no-real-node] | down | preload | build\n");
  process.exitCode = 2;
} else {
  process.exitCode = await run();
}
