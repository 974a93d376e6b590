// `npm run cluster:preload`: builds the stage images and imports them into the real node's
// containerd ahead of the cluster suite, with containerd alone (no control plane, no kubelet).
// CI runs it in the background while the control plane compiles and the unit tests run: the
// first import of the 6.7 GB Python image takes minutes of disk work the suite then skips. The
// node lock it holds says `preload`, so a test run that starts meanwhile waits for it.
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { CLUSTER_DIR } from "./binary.ts";
import { unmountUnder } from "./mounts.ts";
import { acquireNodeLock, type NodeLock, releaseNodeLock, updateNodeLock } from "./node-lock.ts";
import { stopProcess } from "./processes.ts";
import { nodeContainerdAddress, startNodeContainerd } from "./real-node.ts";
import { buildStageImages, loadStageImages } from "./stage-images.ts";

export async function preloadStageImages(): Promise<void> {
  const started = Date.now();
  buildStageImages();
  const dir = path.join(CLUSTER_DIR, ".state", "preload");
  rmSync(dir, { recursive: true, force: true });
  const nodeDir = path.join(dir, "node");
  mkdirSync(nodeDir, { recursive: true });
  const lock: NodeLock = {
    owner: process.pid,
    preload: true,
    dir: nodeDir,
    containerdAddress: nodeContainerdAddress(nodeDir),
    pids: {},
  };
  await acquireNodeLock(lock);
  try {
    const containerd = await startNodeContainerd(nodeDir, dir, false);
    lock.pids.containerd = containerd.pid;
    updateNodeLock(lock);
    try {
      loadStageImages(lock.containerdAddress);
    } finally {
      await stopProcess(containerd.pid);
      unmountUnder(nodeDir);
    }
  } finally {
    releaseNodeLock();
  }
  process.stderr.write(`cluster: stage images built and preloaded in ${Math.round((Date.now() - started) / 1000)} s\n`);
}
