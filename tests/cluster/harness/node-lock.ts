// One real node at a time per checkout: containerd's root in the node cache can serve only one
// containerd, and the pod bridge is one host interface. The lock names the run that holds it and
// the node's processes, so a run that died (killed test runner) is cleaned up by the next one
// instead of blocking it forever.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ctrReady, removeAllContainers } from "./ctr.ts";
import { unmountUnder } from "./mounts.ts";
import { NODE_CACHE_DIR } from "./node-cache.ts";
import { alive, stopProcess } from "./processes.ts";

const LOCK_FILE = path.join(NODE_CACHE_DIR, "node.lock.json");

export interface NodeLock {
  /** The process that started the node (the test runner, or `cluster:up`). */
  owner: number;
  /**
   * Started by `cluster:up`, whose process exits at once: the node then belongs to no process and
   * is held for as long as its containerd runs, until `cluster:down` stops it.
   */
  detached?: boolean;
  /**
   * Held by `cluster:preload` (CI starts it in the background), which only loads images through
   * containerd and lets go within minutes: a test run that finds it waits instead of failing.
   */
  preload?: boolean;
  /** Folder of the run: containerd's state, the kubelet's root. */
  dir: string;
  containerdAddress: string;
  pids: Record<string, number>;
}

const readLock = (): NodeLock | undefined =>
  existsSync(LOCK_FILE) ? (JSON.parse(readFileSync(LOCK_FILE, "utf8")) as NodeLock) : undefined;

/** Whether `pid` is still the program it was (pids are reused). */
function runs(pid: number, program: string): boolean {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(program);
  } catch {
    return false;
  }
}

/**
 * Takes the lock for this process, first clearing what a dead run left: its kubelet, its
 * containers (through its own containerd while that still answers), its containerd and mounts.
 */
export async function acquireNodeLock(lock: NodeLock): Promise<void> {
  await waitForPreload();
  const previous = readLock();
  if (previous?.detached && previous.pids.containerd !== undefined && runs(previous.pids.containerd, "containerd")) {
    throw new Error(
      `the real node's cache (${NODE_CACHE_DIR}) is in use by the cluster of \`npm run cluster:up\` (run folder ${previous.dir}); \`npm run cluster:down\` stops it`,
    );
  }
  if (previous && !previous.detached && previous.owner !== process.pid && alive(previous.owner)) {
    throw new Error(
      `the real node's cache (${NODE_CACHE_DIR}) is in use by process ${previous.owner} (run folder ${previous.dir})`,
    );
  }
  if (previous) await clearLeftovers(previous);
  mkdirSync(NODE_CACHE_DIR, { recursive: true });
  writeFileSync(LOCK_FILE, `${JSON.stringify(lock, null, 2)}\n`);
}

const PRELOAD_WAIT_MS = 40 * 60_000;

async function waitForPreload(): Promise<void> {
  const deadline = Date.now() + PRELOAD_WAIT_MS;
  let announced = false;
  for (;;) {
    const holder = readLock();
    if (!holder?.preload || holder.owner === process.pid || !alive(holder.owner)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `the real node's cache (${NODE_CACHE_DIR}) is still held by the preload of process ${holder.owner}`,
      );
    }
    if (!announced) process.stderr.write(`cluster: waiting for the image preload (pid ${holder.owner}) to finish\n`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

/** Records the node's processes as they start, so that a crash leaves them findable. */
export function updateNodeLock(lock: NodeLock): void {
  writeFileSync(LOCK_FILE, `${JSON.stringify(lock, null, 2)}\n`);
}

export function releaseNodeLock(): void {
  if (readLock()?.owner === process.pid) rmSync(LOCK_FILE, { force: true });
}

/** `cluster:down`: stops a node that `cluster:up` left running; false when there is none. */
export async function stopDetachedNode(): Promise<boolean> {
  const lock = readLock();
  if (!lock?.detached) return false;
  await clearLeftovers(lock);
  rmSync(LOCK_FILE, { force: true });
  return true;
}

async function clearLeftovers(previous: NodeLock): Promise<void> {
  const { kubelet, containerd } = previous.pids;
  if (kubelet !== undefined && runs(kubelet, "kubelet")) await stopProcess(kubelet);
  if (containerd !== undefined && runs(containerd, "containerd")) {
    if (ctrReady(previous.containerdAddress)) removeAllContainers(previous.containerdAddress);
    await stopProcess(containerd);
  }
  unmountUnder(previous.dir);
}
