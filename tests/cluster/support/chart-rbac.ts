// The chart's RBAC in its namespaced mode (templates/rbac.yaml rendered by helm with
// watchNamespace set) applied to a test namespace, with the release's ServiceAccount and a
// kubeconfig that acts as it (a token from the TokenRequest API), not as the administrator.
// Shared by the rbac and progress-rbac tests.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { kubeconfigFor } from "../harness/control-plane.ts";
import { kubeconfigPath } from "./cluster.ts";
import type { TestNamespace } from "./namespace.ts";
import { renderTemplate } from "./render-chart.ts";

const PATHS: Record<string, (ns: string, name: string) => string> = {
  ClusterRole: (_ns, name) => `/apis/rbac.authorization.k8s.io/v1/clusterroles/${name}`,
  ClusterRoleBinding: (_ns, name) => `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${name}`,
  Role: (ns, name) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/${name}`,
  RoleBinding: (ns, name) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/${name}`,
};

export interface ChartRbac {
  /** The release name, which names the ServiceAccount. */
  release: string;
  /** The kinds rbac.yaml rendered, sorted. */
  kinds: string[];
  /** A kubeconfig whose user is the ServiceAccount. */
  kubeconfig: string;
}

export async function installChartRbac(namespace: TestNamespace): Promise<ChartRbac> {
  const { admin, name: ns } = namespace;
  const release = `mammoflow-${ns}`;
  const objects = renderTemplate("rbac.yaml", { name: release, namespace: ns }, { watchNamespace: ns });
  const applied: string[] = [];
  for (const object of objects) {
    const { kind, metadata } = object as { kind: string; metadata: { name: string } };
    const url = PATHS[kind];
    if (!url) throw new Error(`rbac.yaml has an unexpected ${kind}`);
    await admin.apply(url(ns, metadata.name), object, "mammoflow-tests");
    if (kind.startsWith("Cluster")) applied.push(url(ns, metadata.name));
  }
  // The cluster-wide ones (the GPU capacity check's ClusterRole on Nodes and its binding) outlive
  // the namespace: removed when it closes, bindings before roles.
  namespace.onClose(async () => {
    for (const url of applied.reverse()) await admin.request("DELETE", url, { verb: "delete" }).catch(() => {});
  });
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
  const kubeconfig = kubeconfigFor(
    mkdtempSync(path.join(tmpdir(), "chart-rbac-")),
    server,
    "operator-sa",
    token.status.token,
  );
  return { release, kinds: objects.map((o) => o.kind as string).sort(), kubeconfig };
}
