// What tests need of the suite's real node (kubelet-0, tests/cluster/harness/real-node.ts): its
// name, images loaded into it, the claim's host folder made writable for its non-root pods, and
// the simulated nodes out of the way when CPU pods must really run.
import { chownSync, mkdirSync, rmSync } from "node:fs";
import https from "node:https";
import { KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import type { KubeClient } from "../../../operator/kube/client.ts";
import { type LoadedImage, loadImage } from "../harness/node-images.ts";
import { REAL_NODE_LABEL, REAL_NODE_TAINT } from "../harness/real-node.ts";
import { storageHostPath } from "./cluster.ts";

export { REAL_NODE_LABEL, REAL_NODE_TAINT };

/** The uid and gid the restricted stage pods run as. */
export const POD_USER = 1000;

/** The real node as the global setup provides it; a clear error when the run has none. */
function realNode() {
  const node = inject("realNode");
  if (!node) throw new Error("this test needs the real node, which MAMMOFLOW_CLUSTER_REAL_NODE=off left out");
  return node;
}

export const realNodeName = () => realNode().name;

/** Pod spec fields that put a pod on the real node (it is tainted against everything else). */
export function onRealNode() {
  return {
    nodeSelector: { [REAL_NODE_LABEL]: "true" },
    tolerations: [{ key: REAL_NODE_TAINT.key, operator: "Equal", value: REAL_NODE_TAINT.value, effect: "NoSchedule" }],
  };
}

/**
 * Loads a podman image into the real node (skipped when it holds that image ID already); use the
 * returned name in the pod spec with imagePullPolicy Never.
 */
export const loadImageIntoNode = (podmanImage: string): LoadedImage =>
  loadImage(podmanImage, realNode().containerdAddress);

/**
 * Makes the host folder behind the namespace's claim (createNamespace) writable by the pods' user:
 * otherwise the runtime creates it root-owned on first mount. Returns a function removing it.
 */
export function prepareStorageFolder(namespace: string, uid = POD_USER, gid = POD_USER): () => void {
  const dir = storageHostPath(namespace);
  mkdirSync(dir, { recursive: true, mode: 0o775 });
  chownSync(dir, uid, gid);
  return () => rmSync(dir, { recursive: true, force: true });
}

/**
 * A container's log through the API server, which fetches it from the kubelet at the node's
 * address (plain text: KubeClient speaks JSON only).
 */
export async function podLog(namespace: string, pod: string): Promise<string> {
  const config = new KubeConfig();
  config.loadFromFile(inject("kubeconfig"));
  const url = new URL(`${config.getCurrentCluster()?.server}/api/v1/namespaces/${namespace}/pods/${pod}/log`);
  const options: https.RequestOptions = { hostname: url.hostname, port: url.port, path: url.pathname };
  await config.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    https
      .get(options, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode === 200) resolve(text);
          else reject(new Error(`pod ${namespace}/${pod} log: HTTP ${res.statusCode}: ${text}`));
        });
      })
      .on("error", reject);
  });
}

interface Node {
  metadata: { name: string };
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
}

/**
 * Sends every new pod to the real node: cordons the simulated nodes and lifts the real node's
 * taint, so pods that know nothing of it (the operator's CPU stages) land there instead of cpu-0.
 * Returns the undo, which restores both; call it in afterAll/finally.
 */
export async function onlyRealNode(admin: KubeClient): Promise<() => Promise<void>> {
  const real = realNodeName();
  const nodes = (await admin.list<Node>("/api/v1/nodes")).items;
  const cordoned = nodes.filter((n) => n.metadata.name !== real && !n.spec?.unschedulable).map((n) => n.metadata.name);
  for (const name of cordoned) await admin.mergePatch(`/api/v1/nodes/${name}`, { spec: { unschedulable: true } });
  const taints = nodes.find((n) => n.metadata.name === real)?.spec?.taints ?? [];
  const untainted = taints.filter((t) => t.key !== REAL_NODE_TAINT.key);
  const wasTainted = untainted.length !== taints.length;
  if (wasTainted) await admin.mergePatch(`/api/v1/nodes/${real}`, { spec: { taints: untainted } });
  return async () => {
    for (const name of cordoned) await admin.mergePatch(`/api/v1/nodes/${name}`, { spec: { unschedulable: null } });
    if (wasTainted) {
      const node = await admin.get<Node>(`/api/v1/nodes/${real}`);
      const others = (node.spec?.taints ?? []).filter((t) => t.key !== REAL_NODE_TAINT.key);
      await admin.mergePatch(`/api/v1/nodes/${real}`, { spec: { taints: [...others, REAL_NODE_TAINT] } });
    }
  };
}
