// The real node's containerd through Debian's `ctr`, in the CRI plugin's namespace (k8s.io), the
// one the kubelet's pods and images live in.
import { execFileSync } from "node:child_process";

export const CTR_NAMESPACE = "k8s.io";

export function ctr(address: string, args: string[], timeoutMs = 120_000): string {
  return execFileSync("ctr", ["--address", address, "--namespace", CTR_NAMESPACE, ...args], {
    encoding: "utf8",
    timeout: timeoutMs,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

const lines = (text: string) => text.split("\n").filter((l) => l.trim() !== "");

export const imageNames = (address: string) => lines(ctr(address, ["images", "list", "--quiet"]));

/**
 * Imports an OCI archive. The importer names the image after the archive index's
 * org.opencontainers.image.ref.name (podman writes the full reference there), which is checked
 * here rather than trusted, since a name it drops would surface only as a pod that cannot start.
 */
export function importArchive(address: string, archive: string, name: string): void {
  ctr(address, ["images", "import", archive], 600_000);
  if (!imageNames(address).includes(name)) {
    throw new Error(`ctr images import ${archive}: containerd has no image named ${name} afterwards`);
  }
}

/** Whether containerd answers on `address`. */
export function ctrReady(address: string): boolean {
  try {
    ctr(address, ["version"], 5_000);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills and removes every container (pod sandboxes too) behind the kubelet's back: for a stop
 * with pods still on the node, or a node left running by a run that died. Their shims exit with
 * their tasks; the CRI plugin finds no sandbox to recover next time.
 */
export function removeAllContainers(address: string): void {
  for (const task of lines(ctr(address, ["tasks", "list", "--quiet"]))) {
    try {
      ctr(address, ["tasks", "kill", "--signal", "SIGKILL", task], 10_000);
    } catch {
      // Already stopped.
    }
  }
  for (const task of lines(ctr(address, ["tasks", "list", "--quiet"]))) {
    try {
      ctr(address, ["tasks", "delete", "--force", task], 30_000);
    } catch {
      // Gone meanwhile.
    }
  }
  const containers = lines(ctr(address, ["containers", "list", "--quiet"]));
  if (containers.length > 0) ctr(address, ["containers", "delete", ...containers]);
}
