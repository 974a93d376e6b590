// The operator with only the chart's RBAC (charts/mammoflow/templates/rbac.yaml, rendered by helm
// in its namespaced mode: watchNamespace set): it runs on a ServiceAccount token from the
// TokenRequest API, not as an administrator, and still does all of its work; the token cannot do
// what the operator does not need, nor anything outside the watched namespace but read Nodes
// (the GPU capacity check).
import { describe, expect, it } from "vitest";
import { KubeClient } from "../../operator/kube/client.ts";
import { type ChartRbac, installChartRbac } from "./support/chart-rbac.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { SUCCEED_ALL } from "./support/trained-reproduction.ts";
import { waitFor } from "./support/wait.ts";

describe("the operator with the chart's RBAC only", () => {
  let rbac: ChartRbac;
  const cluster = useClusterNamespace("rbac")
    .setup(async (t) => {
      rbac = await installChartRbac(t);
    })
    .behaviours(SUCCEED_ALL)
    .withOperator(() => ({ kubeconfig: rbac.kubeconfig }));

  it("runs a Trained reproduction to the end as its ServiceAccount", async () => {
    const sa = KubeClient.fromFile(rbac.kubeconfig);
    const review = await sa.create<{ status: { userInfo: { username: string } } }>(
      "/apis/authentication.k8s.io/v1/selfsubjectreviews",
      { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
    );
    expect(review.status.userInfo.username).toBe(`system:serviceaccount:${cluster.name}:${rbac.release}`);

    await cluster.create("Reproduction", "r", {});
    const reproduction = await waitFor(
      "the reproduction to succeed",
      async () => {
        const r = await cluster.get("Reproduction", "r");
        return r.status?.phase === "Succeeded" || r.status?.phase === "Failed" ? r : undefined;
      },
      90_000,
      async () => ({
        children: (await cluster.get("Reproduction", "r")).status?.children,
        pods: (await cluster.pods()).map((p) => [
          p.metadata.name,
          p.spec?.nodeName,
          p.status?.phase,
          p.status?.conditions?.find((c) => c.type === "PodScheduled")?.message,
        ]),
      }),
    );
    expect(reproduction.status?.phase).toBe("Succeeded");
    expect(cluster.operator.logs()).not.toMatch(/forbidden/i);

    expect(rbac.kinds, "namespaced mode grants nothing cluster-wide but reading nodes").toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "Role",
      "Role",
      "RoleBinding",
      "RoleBinding",
    ]);
    const can = async (verb: string, resource: string, group = "", namespace = cluster.name) =>
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
