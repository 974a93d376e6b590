// The operator with only the chart's RBAC (charts/mammoflow/templates/rbac.yaml, rendered by helm
// in its namespaced mode: watchNamespace set): it runs on a ServiceAccount token from the
// TokenRequest API, not as an administrator, and still does all of its work; the token cannot do
// what the operator does not need, nor anything outside the watched namespace but read Nodes
// (the GPU capacity check).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KubeClient } from "../../operator/kube/client.ts";
import { kubeconfigFor } from "./harness/control-plane.ts";
import {
  adminClient,
  createNamespace,
  createResource,
  deleteNamespace,
  getResource,
  kubeconfigPath,
  listPods,
  setBehaviour,
  stageMessage,
} from "./support/cluster.ts";
import { type OperatorProcess, startOperatorProcess } from "./support/operator-process.ts";
import { renderTemplate } from "./support/render-chart.ts";
import { waitFor } from "./support/wait.ts";

const PATHS: Record<string, (ns: string, name: string) => string> = {
  ClusterRole: (_ns, name) => `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`,
  ClusterRoleBinding: (_ns, name) => `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`,
  Role: (ns, name) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/${name}`,
  RoleBinding: (ns, name) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/${name}`,
};

describe("the operator with the chart's RBAC only", () => {
  let admin: KubeClient;
  let ns: string;
  let release: string;
  let operator: OperatorProcess;
  let serviceAccountKubeconfig: string;
  let rbacKinds: string[] = [];
  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "rbac");
    release = `mammoflow-${ns}`;
    const objects = renderTemplate("rbac.yaml", { name: release, namespace: ns }, { watchNamespace: ns });
    rbacKinds = objects.map((o) => o.kind as string).sort();
    for (const object of objects) {
      const { kind, metadata } = object as { kind: string; metadata: { name: string } };
      const url = PATHS[kind];
      if (!url) throw new Error(`rbac.yaml has an unexpected ${kind}`);
      await admin.apply(url(ns, metadata.name), object, "mammoflow-tests");
    }
    await admin.create(`/api/v1/namespaces/${ns}/serviceaccounts`, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: release, namespace: ns },
    });
    const token = await admin.create<{ status: { token: string } }>(
      `/api/v1/namespaces/${ns}/serviceaccounts/${release}/token`,
      { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
    );
    const server = (parse(readFileSync(kubeconfigPath(), "utf8")) as { clusters: { cluster: { server: string } }[] })
      .clusters[0]?.cluster.server as string;
    serviceAccountKubeconfig = kubeconfigFor(
      mkdtempSync(path.join(tmpdir(), "rbac-")),
      server,
      "operator-sa",
      token.status.token,
    );
    await setBehaviour(admin, ns, {
      "export-onnx": { message: stageMessage("export-onnx", ["model.onnx"]) },
      "build-engine": { message: stageMessage("build-engine", ["model.engine"]) },
      predict: { message: stageMessage("predict", ["predictions.csv"]) },
      aggregate: { message: stageMessage("aggregate", ["submission.csv"]) },
    });
    operator = startOperatorProcess({ kubeconfig: serviceAccountKubeconfig, namespace: ns });
  });
  afterAll(async () => {
    await operator?.stop();
    // The GPU capacity check's ClusterRole and binding outlive the namespace.
    for (const kind of ["ClusterRoleBinding", "ClusterRole"]) {
      await admin.request("DELETE", PATHS[kind]?.(ns, `${release}-nodes`) ?? "", { verb: "delete" }).catch(() => {});
    }
    await deleteNamespace(admin, ns);
  });

  it("runs a Trained reproduction to the end as its ServiceAccount", async () => {
    const sa = KubeClient.fromFile(serviceAccountKubeconfig);
    const review = await sa.create<{ status: { userInfo: { username: string } } }>(
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    );
    expect(review.status.userInfo.username).toBe(`system:serviceaccount:${ns}:${release}`);

    await createResource(admin, ns, "Reproduction", "r", {});
    const reproduction = await waitFor(
      "the reproduction to succeed",
      async () => {
        const r = await getResource(admin, ns, "Reproduction", "r");
        return r.status?.phase === "Succeeded" || r.status?.phase === "Failed" ? r : undefined;
      },
      90_000,
      async () => ({
        children: (await getResource(admin, ns, "Reproduction", "r")).status?.children,
        pods: (await listPods(admin, ns)).map((p) => [
          p.metadata.name,
          p.spec?.nodeName,
          p.status?.phase,
          p.status?.conditions?.find((c) => c.type === "PodScheduled")?.message,
        ]),
      }),
    );
    expect(reproduction.status?.phase).toBe("Succeeded");
    expect(operator.logs()).not.toMatch(/forbidden/i);

    expect(rbacKinds, "namespaced mode grants nothing cluster-wide but reading nodes").toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "Role",
      "Role",
      "RoleBinding",
      "RoleBinding",
    ]);
    const can = async (verb: string, resource: string, group = "", namespace = ns) =>
      (
        await sa.create<{ status: { allowed: boolean } }>("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: { resourceAttributes: { namespace, verb, resource, group } },
        })
      ).status.allowed;
    expect(await can("patch", "jobs", "batch")).toBe(true);
    // A retry (mammoflow.io/retry) deletes the stage's failed Job; FailedCreate events explain
    // a Job without pods.
    expect(await can("delete", "jobs", "batch")).toBe(true);
    expect(await can("list", "events")).toBe(true);
    // The GPU capacity check reads Nodes (cluster-scoped) and may change none.
    expect(await can("watch", "nodes", "", "")).toBe(true);
    expect(await can("patch", "nodes", "", "")).toBe(false);
    expect(await can("delete", "configmaps")).toBe(false);
    expect(await can("list", "secrets")).toBe(false);
    expect(await can("create", "pods")).toBe(false);
    expect(await can("delete", "reproductions", "mammoflow.io")).toBe(false);
    for (const [verb, resource, group] of [
      ["list", "jobs", "batch"],
      ["create", "configmaps", ""],
      ["list", "reproductions", "mammoflow.io"],
    ] as const) {
      expect(await can(verb, resource, group, "default"), `${verb} ${resource} in another namespace`).toBe(false);
    }
  });
});
