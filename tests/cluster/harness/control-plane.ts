// A real control plane on loopback, built from the Kubernetes Go modules: etcd, kube-apiserver
// and, for scheduling and Job scenarios, kube-controller-manager, kube-scheduler and the node
// simulator (simulated A100 nodes). The same code serves `npm run cluster:up` and the tests.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { KubeApiError, KubeClient } from "../../../operator/kube/client.ts";
import { CLUSTER_DIR, controlPlaneBinary } from "./binary.ts";
import { type Component, currentPid, freePort, startComponent, stopProcess, waitFor } from "./processes.ts";
import { REAL_NODE_NAME, type RealNode, startRealNode } from "./real-node.ts";

const REPO_ROOT = path.resolve(CLUSTER_DIR, "../..");
export const SIMULATED_GPU_NODES = ["a100-0", "a100-1"];
export const GPUS_PER_NODE = 2;
export const SIMULATED_CPU_NODES = ["cpu-0"];

export interface ControlPlaneOptions {
  /** Also run kube-controller-manager, kube-scheduler and the node simulator. */
  withNodes: boolean;
  /**
   * Also run a real kubelet with containerd (node kubelet-0, tainted mammoflow.io/real-node);
   * needs `withNodes` (the scheduler) and root. Detached, it outlives this process like the rest.
   */
  realNode?: boolean;
  /** Keep the processes running after this process exits (`cluster:up`). */
  detached?: boolean;
  dir?: string;
}

export interface ControlPlane {
  dir: string;
  kubeconfig: string;
  server: string;
  components: Component[];
  admin: KubeClient;
  realNode?: RealNode;
  stop: () => Promise<void>;
}

function writeKubeconfig(file: string, server: string, user: string, token: string): void {
  writeFileSync(
    file,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: test",
      "  cluster:",
      `    server: ${server}`,
      // The API server serves a self-signed certificate it generated in --cert-dir.
      "    insecure-skip-tls-verify: true",
      "users:",
      `- name: ${user}`,
      "  user:",
      `    token: ${token}`,
      "contexts:",
      `- name: test`,
      "  context:",
      "    cluster: test",
      `    user: ${user}`,
      "current-context: test",
      "",
    ].join("\n"),
  );
}

/** Writes a kubeconfig for `server` authenticating with a bearer `token`. */
export function kubeconfigFor(dir: string, server: string, user: string, token: string): string {
  const file = path.join(dir, `kubeconfig-${user.replace(/[^a-z0-9-]/gi, "_")}.yaml`);
  writeKubeconfig(file, server, user, token);
  return file;
}

/** Applies the generated CRDs and waits until the API serves every kind. */
export async function installCrds(admin: KubeClient): Promise<string[]> {
  const dir = path.join(REPO_ROOT, "crds");
  const plurals: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml"))) {
    for (const doc of parseAllDocuments(readFileSync(path.join(dir, file), "utf8"))) {
      const crd = doc.toJS() as { metadata: { name: string }; spec: { names: { plural: string } } };
      plurals.push(crd.spec.names.plural);
      await admin.apply(
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`,
        crd,
        "mammoflow-tests",
      );
    }
  }
  await waitFor(
    "the mammoflow API",
    async () => {
      const list = await admin.get<{ resources: { name: string }[] }>("/apis/mammoflow.io/v1alpha1");
      return plurals.every((p) => list.resources.some((r) => r.name === p));
    },
    30_000,
    "",
  );
  return plurals;
}

/** Starts a control plane; `stop()` ends every process it started. */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const binary = controlPlaneBinary();
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), "mammoflow-cluster-"));
  mkdirSync(dir, { recursive: true });
  const components: Component[] = [];
  let realNode: RealNode | undefined;
  const stop = async () => {
    await realNode?.stop();
    // By the pid each runs as now: a test may have restarted one (restartProgram).
    for (const c of [...components].reverse()) await stopProcess(currentPid(dir, c));
  };
  try {
    const detached = options.detached ?? false;
    if (options.realNode && !options.withNodes) {
      throw new Error("a real node needs withNodes (its pods are placed by the scheduler)");
    }
    const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    components.push(
      startComponent(
        binary,
        dir,
        "etcd",
        [
          "--name=mammoflow-test",
          `--data-dir=${path.join(dir, "etcd")}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=${peerUrl}`,
          `--initial-advertise-peer-urls=${peerUrl}`,
          `--initial-cluster=mammoflow-test=${peerUrl}`,
          "--unsafe-no-fsync=true",
          "--log-level=warn",
        ],
        detached,
      ),
    );

    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(path.join(dir, "sa.pub"), publicKey.export({ type: "spki", format: "pem" }));
    writeFileSync(path.join(dir, "sa.key"), privateKey.export({ type: "pkcs8", format: "pem" }));
    const adminToken = randomBytes(24).toString("hex");
    const componentsToken = randomBytes(24).toString("hex");
    // The real node's kubelet: a node's name, but system:masters rather than system:nodes, so the
    // test node needs no node authorizer or client certificates.
    const nodeToken = randomBytes(24).toString("hex");
    const nodeUser = `system:node:${REAL_NODE_NAME}`;
    writeFileSync(
      path.join(dir, "tokens.csv"),
      [
        `${adminToken},admin,admin,"system:masters"`,
        `${componentsToken},system:kube-controller-manager,kcm,"system:masters"`,
        ...(options.realNode ? [`${nodeToken},${nodeUser},${REAL_NODE_NAME},"system:masters"`] : []),
        "",
      ].join("\n"),
    );
    const server = `https://127.0.0.1:${apiPort}`;
    components.push(
      startComponent(
        binary,
        dir,
        "kube-apiserver",
        [
          `--etcd-servers=${etcdUrl}`,
          "--bind-address=127.0.0.1",
          `--secure-port=${apiPort}`,
          `--cert-dir=${path.join(dir, "certs")}`,
          `--token-auth-file=${path.join(dir, "tokens.csv")}`,
          "--authorization-mode=RBAC",
          "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
          "--api-audiences=https://kubernetes.default.svc.cluster.local",
          `--service-account-key-file=${path.join(dir, "sa.pub")}`,
          `--service-account-signing-key-file=${path.join(dir, "sa.key")}`,
          "--service-cluster-ip-range=10.0.0.0/24",
          "--allow-privileged=true",
          // No token volumes (stage pods do not use one), and no not-ready taint on new nodes: the
          // simulator reports them Ready from the start, and with node lifecycle off (below) no
          // controller would ever lift the taint from the real node either.
          "--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
          // The real node's name does not resolve; its InternalIP is where logs and exec go.
          "--kubelet-preferred-address-types=InternalIP,Hostname",
          "--endpoint-reconciler-type=none",
          "--enable-priority-and-fairness=false",
          "--max-requests-inflight=0",
          "--max-mutating-requests-inflight=0",
        ],
        detached,
      ),
    );
    const kubeconfig = kubeconfigFor(dir, server, "admin", adminToken);
    const admin = KubeClient.fromFile(kubeconfig);
    await waitFor(
      "kube-apiserver",
      async () => {
        await admin.get("/readyz");
        await admin.get("/api/v1/namespaces/default");
        return true;
      },
      120_000,
      dir,
    );
    await installCrds(admin);

    if (options.withNodes) {
      const componentsKubeconfig = kubeconfigFor(dir, server, "system:kube-controller-manager", componentsToken);
      components.push(
        startComponent(
          binary,
          dir,
          "kube-controller-manager",
          [
            ...(await componentFlags(componentsKubeconfig)),
            "--use-service-account-credentials=false",
            // Nodes are simulated and never send heartbeats through a kubelet; the simulator
            // plays the kubelet for pods, so node lifecycle (NotReady evictions) stays off.
            "--controllers=*,-node-lifecycle-controller,-node-ipam-controller",
            `--service-account-private-key-file=${path.join(dir, "sa.key")}`,
            "--kube-api-qps=200",
            "--kube-api-burst=400",
            "--concurrent-job-syncs=10",
          ],
          detached,
        ),
        startComponent(binary, dir, "kube-scheduler", await componentFlags(componentsKubeconfig), detached),
        startComponent(
          binary,
          dir,
          "nodesim",
          [
            `--kubeconfig=${componentsKubeconfig}`,
            `--nodes=${SIMULATED_GPU_NODES.join(",")}`,
            `--gpus=${GPUS_PER_NODE}`,
            `--cpu-nodes=${SIMULATED_CPU_NODES.join(",")}`,
          ],
          detached,
        ),
      );
      await waitFor(
        "simulated nodes",
        async () => {
          const nodes = (await admin.list<{ metadata: { name: string } }>("/api/v1/nodes")).items;
          return [...SIMULATED_GPU_NODES, ...SIMULATED_CPU_NODES].every((n) =>
            nodes.some((m) => m.metadata.name === n),
          );
        },
        60_000,
        dir,
      );
      // The Job controller only acts once the default service account machinery is up.
      await waitFor(
        "kube-controller-manager",
        async () => {
          await admin.get("/api/v1/namespaces/default/serviceaccounts/default");
          return true;
        },
        60_000,
        dir,
      );
    }
    if (options.realNode) {
      realNode = await startRealNode({
        binary,
        dir,
        kubeconfig: kubeconfigFor(dir, server, nodeUser, nodeToken),
        admin,
        detached,
      });
    }
    return { dir, kubeconfig, server, components, admin, ...(realNode ? { realNode } : {}), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export { KubeApiError };

/** Flags kube-controller-manager and kube-scheduler share: one identity, loopback, no election. */
async function componentFlags(kubeconfig: string): Promise<string[]> {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${await freePort()}`,
    "--leader-elect=false",
  ];
}
