// One real node beside the simulated ones: the kubelet from the control plane's own binary (same
// Kubernetes modules) with Debian's containerd and runc, running pods as real containers
// (shared/reference/real-kubelet.md). It registers tainted, so the suite's scheduling tests keep
// their simulated placement; tests that want it tolerate the taint, or call onlyRealNode().
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { KubeClient } from "../../../operator/kube/client.ts";
import { cniConflist } from "./cni-config.ts";
import { containerdConfig } from "./containerd-config.ts";
import { ctrReady, removeAllContainers } from "./ctr.ts";
import { kubeletConfiguration } from "./kubelet-config.ts";
import { unmountUnder } from "./mounts.ts";
import { CONTAINERD_ROOT } from "./node-cache.ts";
import { loadProgramImage, programImage } from "./node-images.ts";
import { acquireNodeLock, type NodeLock, releaseNodeLock, updateNodeLock } from "./node-lock.ts";
import { ensurePodBridge } from "./pod-bridge.ts";
import { type Component, freePort, startComponent, startProgram, stopProcess, waitFor } from "./processes.ts";

export const REAL_NODE_NAME = "kubelet-0";
export const REAL_NODE_LABEL = "mammoflow.io/real-node";
export const REAL_NODE_TAINT = { key: REAL_NODE_LABEL, value: "true", effect: "NoSchedule" };
/** Debian's containernetworking-plugins. */
const CNI_BIN_DIR = "/usr/lib/cni";

export interface RealNodeOptions {
  /** The control plane's multicall binary (its `kubelet` component). */
  binary: string;
  /** The cluster's run folder; the node's files go to `<dir>/node`, its logs beside the others. */
  dir: string;
  /** The kubelet's credentials. */
  kubeconfig: string;
  admin: KubeClient;
  name?: string;
  /** Leave containerd and the kubelet running when this process exits (`cluster:up`). */
  detached?: boolean;
}

export interface RealNode {
  name: string;
  /** containerd's socket, for loadImage(). */
  containerdAddress: string;
  components: Component[];
  stop: () => Promise<void>;
}

interface NodeCondition {
  type: string;
  status: string;
}

/** Starts containerd and the kubelet and waits until the node is Ready; `stop()` ends both. */
export async function startRealNode(options: RealNodeOptions): Promise<RealNode> {
  const started = Date.now();
  const name = options.name ?? REAL_NODE_NAME;
  const nodeDir = path.join(options.dir, "node");
  const address = nodeContainerdAddress(nodeDir);
  const detached = options.detached ?? false;
  const lock: NodeLock = {
    owner: process.pid,
    ...(detached ? { detached } : {}),
    dir: nodeDir,
    containerdAddress: address,
    pids: {},
  };
  await acquireNodeLock(lock);

  const components: Component[] = [];
  const stop = async () => {
    const kubelet = components.find((c) => c.name === "kubelet");
    const containerd = components.find((c) => c.name === "containerd");
    if (kubelet) await stopProcess(kubelet.pid);
    // Pods still on the node (a failed test's) are killed behind the stopped kubelet's back.
    try {
      if (containerd && ctrReady(address)) removeAllContainers(address);
    } catch (error) {
      process.stderr.write(`cluster: could not remove the real node's containers: ${(error as Error).message}\n`);
    }
    if (containerd) await stopProcess(containerd.pid);
    unmountUnder(nodeDir);
    releaseNodeLock();
  };
  try {
    const folder = (sub: string) => subfolder(nodeDir, sub);
    const containerd = await startNodeContainerd(nodeDir, options.dir, detached);
    components.push(containerd);
    lock.pids.containerd = containerd.pid;
    updateNodeLock(lock);
    loadProgramImage("pause", address);

    const nodeIp = ensurePodBridge();
    const kubeletConfig = path.join(nodeDir, "kubelet.yaml");
    writeFileSync(
      kubeletConfig,
      JSON.stringify(
        kubeletConfiguration({
          runtimeSocket: address,
          address: nodeIp,
          port: await freePort(),
          healthzPort: await freePort(),
          podLogsDir: folder("pod-logs"),
          volumePluginDir: folder("volume-plugins"),
          registerWithTaints: [REAL_NODE_TAINT],
        }),
        null,
        2,
      ),
    );
    const kubelet = startComponent(
      options.binary,
      options.dir,
      "kubelet",
      [
        `--config=${kubeletConfig}`,
        `--kubeconfig=${options.kubeconfig}`,
        `--root-dir=${folder("kubelet")}`,
        `--hostname-override=${name}`,
        // The API server reaches the kubelet there for logs and exec (it prefers InternalIP).
        `--node-ip=${nodeIp}`,
        `--node-labels=${REAL_NODE_LABEL}=true`,
      ],
      detached,
    );
    components.push(kubelet);
    lock.pids.kubelet = kubelet.pid;
    updateNodeLock(lock);
    await waitFor(
      `the real node ${name}`,
      async () => {
        const node = await options.admin.get<{ status?: { conditions?: NodeCondition[] } }>(`/api/v1/nodes/${name}`);
        return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      },
      180_000,
      options.dir,
    );
    process.stderr.write(`cluster: real node ${name} Ready in ${Math.round((Date.now() - started) / 1000)} s\n`);
    return { name, containerdAddress: address, components, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function subfolder(parent: string, sub: string): string {
  const dir = path.join(parent, sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Starts containerd on the node cache's persistent root, its state, socket and CNI files under
 * `nodeDir`, and waits until it answers: the node's runtime, also started alone to load images
 * ahead of a test run (preload.ts).
 */
export async function startNodeContainerd(nodeDir: string, logDir: string, detached: boolean): Promise<Component> {
  const address = nodeContainerdAddress(nodeDir);
  mkdirSync(CONTAINERD_ROOT, { recursive: true });
  const cniDir = subfolder(nodeDir, "cni");
  writeFileSync(
    path.join(cniDir, "10-mammoflow.conflist"),
    JSON.stringify(cniConflist(subfolder(nodeDir, "cni-ipam")), null, 2),
  );
  const containerdToml = path.join(nodeDir, "containerd.toml");
  writeFileSync(
    containerdToml,
    containerdConfig(execFileSync("containerd", ["config", "default"], { encoding: "utf8" }), {
      root: CONTAINERD_ROOT,
      state: subfolder(nodeDir, "containerd-state"),
      address,
      sandboxImage: programImage("pause").name,
      cniConfDir: cniDir,
      cniBinDir: CNI_BIN_DIR,
    }),
  );
  const containerd = startProgram("containerd", "containerd", ["--config", containerdToml], logDir, detached);
  try {
    await waitFor("containerd", async () => ctrReady(address), 30_000, logDir);
  } catch (error) {
    await stopProcess(containerd.pid);
    throw error;
  }
  return containerd;
}

export const nodeContainerdAddress = (nodeDir: string) => path.join(nodeDir, "containerd.sock");
