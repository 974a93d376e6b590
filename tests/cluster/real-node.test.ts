// The suite's real node: pods run as real containers on kubelet-0 (a kubelet from the control
// plane's Kubernetes modules, Debian's containerd and runc), under the restricted security context
// stage pods use. The image is this file's own (a static probe FROM scratch, built with podman),
// so the node is tested apart from the project's image builds.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { KubeClient, KubeObject } from "../../operator/kube/client.ts";
import { staticBinary } from "./harness/static-binary.ts";
import { STORAGE_CLAIM } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import {
  loadImageIntoNode,
  onlyRealNode,
  onRealNode,
  POD_USER,
  podLog,
  REAL_NODE_TAINT,
  realNodeName,
} from "./support/real-node.ts";
import { waitFor } from "./support/wait.ts";

type Pod = V1Pod & KubeObject;

/** A podman image holding only tests/cluster/programs/probe.c, named after the binary's hash. */
function buildProbeImage(): string {
  const binary = staticBinary("probe");
  const image = `localhost/mammoflow-test/probe:${path.basename(binary).slice("probe-".length)}`;
  try {
    execFileSync("podman", ["image", "exists", image]);
    return image;
  } catch {
    // Not built yet.
  }
  const context = mkdtempSync(path.join(tmpdir(), "mammoflow-probe-"));
  try {
    copyFileSync(binary, path.join(context, "probe"));
    writeFileSync(path.join(context, "Containerfile"), 'FROM scratch\nCOPY probe /probe\nENTRYPOINT ["/probe"]\n');
    execFileSync("podman", ["build", "--quiet", "--tag", image, context], { stdio: ["ignore", "ignore", "inherit"] });
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return image;
}

/** A pod under the restricted profile running the probe: it checks its folders and exits `exitCode`. */
function probePod(namespace: string, name: string, image: string, exitCode: number, placement: object): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: {
      ...placement,
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: POD_USER,
        runAsGroup: POD_USER,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: "probe",
          image,
          imagePullPolicy: "Never",
          args: [String(exitCode), "/work", "/data"],
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
          resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { memory: "64Mi" } },
          volumeMounts: [
            { name: "work", mountPath: "/work" },
            { name: "shm", mountPath: "/dev/shm" },
            { name: "data", mountPath: "/data" },
          ],
        },
      ],
      volumes: [
        { name: "work", emptyDir: {} },
        { name: "shm", emptyDir: { medium: "Memory", sizeLimit: "64Mi" } },
        { name: "data", persistentVolumeClaim: { claimName: STORAGE_CLAIM } },
      ],
    },
  } as Pod;
}

/** What the probe reports when every part of the restricted context took effect. */
const restrictedReport = (exitCode: number) =>
  `uid=1000 gid=1000 dirs=/work:ok,/data:ok shm=tmpfs:64Mi shm-write=ok root=read-only ` +
  `no-new-privs=1 seccomp=2 cap-eff=0000000000000000 exit=${exitCode}`;

async function runToEnd(admin: KubeClient, pod: Pod): Promise<Pod> {
  const url = `/api/v1/namespaces/${pod.metadata.namespace}/pods`;
  await admin.create(url, pod);
  let last: Pod | undefined;
  return waitFor(
    `pod ${pod.metadata.name} to finish`,
    async () => {
      last = await admin.get<Pod>(`${url}/${pod.metadata.name}`);
      return last.status?.phase === "Succeeded" || last.status?.phase === "Failed" ? last : undefined;
    },
    120_000,
    () => last?.status,
  );
}

describe("the real node (kubelet-0: a real kubelet with containerd and runc)", () => {
  let image: string;
  const cluster = useClusterNamespace("real-node")
    .storageFolder()
    .setup(() => {
      image = loadImageIntoNode(buildProbeImage()).name;
    });

  it("is a Ready node, labelled and tainted so that only pods asking for it land there", async () => {
    const node = await cluster.admin.get<{
      metadata: { labels: Record<string, string> };
      spec: { taints?: object[] };
      status: { conditions: { type: string; status: string }[]; nodeInfo: { containerRuntimeVersion: string } };
    }>(`/api/v1/nodes/${realNodeName()}`);
    expect(node.metadata.labels["mammoflow.io/real-node"]).toBe("true");
    expect(node.spec.taints).toContainEqual(REAL_NODE_TAINT);
    expect(node.status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
  });

  it("runs a restricted pod on the real kubelet to Succeeded, its termination message in the status", async () => {
    const pod = await runToEnd(cluster.admin, probePod(cluster.name, "succeeds", image, 0, onRealNode()));
    expect(pod.spec?.nodeName).toBe(realNodeName());
    expect(pod.status?.phase).toBe("Succeeded");
    const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode).toBe(0);
    expect(terminated?.message).toBe(restrictedReport(0));
    // The API server reaches the kubelet at the node's address for the container's output.
    expect(await podLog(cluster.name, "succeeds")).toBe(`${restrictedReport(0)}\n`);
  });

  it("reports a container exiting 3 on the real kubelet as Failed with exit code 3", async () => {
    const pod = await runToEnd(cluster.admin, probePod(cluster.name, "fails", image, 3, onRealNode()));
    expect(pod.status?.phase).toBe("Failed");
    const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode).toBe(3);
    expect(terminated?.message).toBe(restrictedReport(3));
  });

  it("sends pods that know nothing of the real kubelet there while onlyRealNode() holds", async () => {
    const undo = await onlyRealNode(cluster.admin);
    try {
      const pod = await runToEnd(cluster.admin, probePod(cluster.name, "placed", image, 0, {}));
      expect(pod.spec?.nodeName).toBe(realNodeName());
      expect(pod.status?.phase).toBe("Succeeded");
    } finally {
      await undo();
    }
    const nodes = await cluster.admin.list<{
      metadata: { name: string };
      spec: { unschedulable?: boolean; taints?: object[] };
    }>("/api/v1/nodes");
    expect(nodes.items.filter((n) => n.spec.unschedulable).map((n) => n.metadata.name)).toEqual([]);
    expect(nodes.items.find((n) => n.metadata.name === realNodeName())?.spec.taints).toContainEqual(REAL_NODE_TAINT);
  });

  it("loads a podman image into the real kubelet's containerd once per image ID", () => {
    expect(loadImageIntoNode(buildProbeImage())).toEqual({ name: image, imported: false });
  });
});
