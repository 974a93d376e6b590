import { randomBytes } from "node:crypto";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { inject } from "vitest";
import { API_GROUP_VERSION, kindByName } from "../../../operator/api/index.ts";
import { KubeClient, type KubeObject } from "../../../operator/kube/client.ts";
import type { ResourceStatus } from "../../../operator/pipeline/status.ts";
import { restartProgram } from "../harness/processes.ts";
import { waitFor } from "./wait.ts";

export type Resource = KubeObject & { status?: ResourceStatus & Record<string, unknown> };

/** The admin client of the suite's control plane. */
export function adminClient(): KubeClient {
  return KubeClient.fromFile(inject("kubeconfig"));
}

export const kubeconfigPath = () => inject("kubeconfig");

/** The claim stage pods mount (operator config storage.claimName). */
export const STORAGE_CLAIM = "mammoflow-data";

/** The host folder behind a test namespace's claim (prepareStorageFolder makes it for real pods). */
export const storageHostPath = (namespace: string) => `/tmp/mammoflow-${namespace}`;

/**
 * A fresh namespace per test, so tests never see each other's objects, with the shared RWX
 * claim the stage pods mount: a PersistentVolume pre-bound to it, bound by the real PV binder.
 */
export async function createNamespace(admin: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  await admin.create("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } });
  await admin.create("/api/v1/persistentvolumes", {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: `data-${name}` },
    spec: {
      capacity: { storage: "1Ti" },
      accessModes: ["ReadWriteMany"],
      persistentVolumeReclaimPolicy: "Retain",
      storageClassName: "",
      hostPath: { path: storageHostPath(name) },
      claimRef: { namespace: name, name: STORAGE_CLAIM },
    },
  });
  await admin.create(`/api/v1/namespaces/${name}/persistentvolumeclaims`, {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: STORAGE_CLAIM, namespace: name },
    spec: {
      accessModes: ["ReadWriteMany"],
      storageClassName: "",
      volumeName: `data-${name}`,
      resources: { requests: { storage: "1Ti" } },
    },
  });
  return name;
}

/**
 * Deletes a test's namespace and waits until its pods are gone, so that the next test finds the
 * simulated GPUs free (the suite's files share them).
 */
export async function deleteNamespace(admin: KubeClient, name: string): Promise<void> {
  await admin.delete(`/api/v1/namespaces/${name}`).catch(() => undefined);
  await admin.delete(`/api/v1/persistentvolumes/data-${name}`).catch(() => undefined);
  const deadline = Date.now() + 60_000;
  let left: string[] = [];
  while (Date.now() < deadline) {
    left = (await listPods(admin, name)).map((p) => `${p.metadata.name} (${p.status?.phase})`);
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`namespace ${name}: pods still there after 60 s: ${left.join(", ")}`);
}

function plural(kind: string): string {
  const definition = kindByName(kind);
  if (!definition) throw new Error(`unknown kind ${kind}`);
  return definition.plural;
}

export const resourceUrl = (namespace: string, kind: string, name?: string) =>
  `/apis/${API_GROUP_VERSION}/namespaces/${namespace}/${plural(kind)}${name ? `/${name}` : ""}`;

export function createResource(admin: KubeClient, namespace: string, kind: string, name: string, spec: unknown) {
  return admin.create<Resource>(resourceUrl(namespace, kind), {
    apiVersion: API_GROUP_VERSION,
    kind,
    metadata: { name, namespace },
    spec,
  });
}

export const getResource = (admin: KubeClient, namespace: string, kind: string, name: string) =>
  admin.get<Resource>(resourceUrl(namespace, kind, name));

export async function listResources(admin: KubeClient, namespace: string, kind: string): Promise<Resource[]> {
  return (await admin.list<Resource>(resourceUrl(namespace, kind))).items;
}

export const listJobs = async (admin: KubeClient, namespace: string) =>
  (await admin.list<V1Job & KubeObject>(`/apis/batch/v1/namespaces/${namespace}/jobs`)).items;

export const listPods = async (admin: KubeClient, namespace: string) =>
  (await admin.list<V1Pod & KubeObject>(`/api/v1/namespaces/${namespace}/pods`)).items;

/** What the simulated stage containers do, per Job name, stage name or "default" (nodesim.go). */
export interface Behaviour {
  exitCode?: number;
  message?: string;
  hold?: boolean;
  disruptOnce?: boolean;
  /** Seconds the pod stays Running before it ends as the rest says (a stage's duration). */
  seconds?: number;
}

export async function setBehaviour(admin: KubeClient, namespace: string, behaviours: Record<string, Behaviour>) {
  await admin.apply(
    `/api/v1/namespaces/${namespace}/configmaps/nodesim`,
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "nodesim", namespace },
      data: Object.fromEntries(
        Object.entries(behaviours).map(([k, b]) => [k, JSON.stringify({ exitCode: 0, message: "", ...b })]),
      ),
    },
    "mammoflow-tests",
  );
}

/**
 * The termination message a real stage prints (jobs/contract compactResult), here written by
 * the test because the simulated nodes run no containers.
 */
export function stageMessage(stage: string, artifacts: string[] = [], metrics: Record<string, number> = {}): string {
  return JSON.stringify({
    stage,
    outcome: "Succeeded",
    requestDigest: "0".repeat(64),
    metrics,
    problems: 0,
    artifacts: artifacts.map((name) => ({ name, sha256: "ab".repeat(32) })),
    truncated: false,
  });
}

/** The artifacts each stage names in its termination message on the simulated nodes. */
export const STAGE_ARTIFACTS: Record<string, string[]> = {
  "roi-dataset": ["roi-dataset.csv"],
  "train-detector": ["yolox_nano.pth"],
  "export-onnx": ["model.onnx"],
  "prepare-dataset": ["crops.csv"],
  "cv-split": ["folds.csv"],
  "train-fold": ["last.pth.tar"],
  "select-checkpoints": ["selection.json"],
  "build-engine": ["model.engine"],
  predict: ["predictions.csv"],
  aggregate: ["submission.csv"],
};

/** Behaviours by stage name: each of `stages` succeeds at once, naming its STAGE_ARTIFACTS. */
export function succeeding(...stages: string[]): Record<string, Behaviour> {
  return Object.fromEntries(stages.map((stage) => [stage, { message: stageMessage(stage, STAGE_ARTIFACTS[stage]) }]));
}

export const condition = (resource: Resource | undefined, type: string) =>
  resource?.status?.conditions?.find((c) => c.type === type);

/**
 * Restarts the suite's kube-apiserver (same port, certificates and etcd): stops it, awaits
 * `whileDown`, starts it again and resolves once it serves requests. Every client keeps its
 * kubeconfig; etcd keeps every object.
 */
export async function restartApiServer(whileDown: () => Promise<void>): Promise<void> {
  await restartProgram(inject("clusterDir"), "kube-apiserver", whileDown);
  const admin = adminClient();
  await waitFor(
    "kube-apiserver to serve again",
    async () => {
      await admin.get("/readyz");
      return true;
    },
    180_000,
  );
}
