// The Helm chart as helm renders it (helm built from its Go module by setup:test), applied to
// the real control plane with a server-side dry run: every object must be accepted as it is.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { useClusterNamespace } from "./support/namespace.ts";

type Rendered = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

/** REST collection of each kind the chart renders. */
const COLLECTIONS: Record<string, { prefix: string; plural: string; namespaced: boolean }> = {
  ServiceAccount: { prefix: "/api/v1", plural: "serviceaccounts", namespaced: true },
  ConfigMap: { prefix: "/api/v1", plural: "configmaps", namespaced: true },
  Service: { prefix: "/api/v1", plural: "services", namespaced: true },
  PersistentVolumeClaim: { prefix: "/api/v1", plural: "persistentvolumeclaims", namespaced: true },
  Deployment: { prefix: "/apis/apps/v1", plural: "deployments", namespaced: true },
  PodDisruptionBudget: { prefix: "/apis/policy/v1", plural: "poddisruptionbudgets", namespaced: true },
  ClusterRole: { prefix: "/apis/rbac.authorization.k8s.io/v1", plural: "clusterroles", namespaced: false },
  ClusterRoleBinding: {
    prefix: "/apis/rbac.authorization.k8s.io/v1",
    plural: "clusterrolebindings",
    namespaced: false,
  },
  Role: { prefix: "/apis/rbac.authorization.k8s.io/v1", plural: "roles", namespaced: true },
  RoleBinding: { prefix: "/apis/rbac.authorization.k8s.io/v1", plural: "rolebindings", namespaced: true },
  CustomResourceDefinition: {
    prefix: "/apis/apiextensions.k8s.io/v1",
    plural: "customresourcedefinitions",
    namespaced: false,
  },
};

function render(namespace: string): Rendered[] {
  const out = execFileSync(
    ".tools/bin/helm",
    [
      "template",
      "mammoflow",
      "charts/mammoflow",
      "--namespace",
      namespace,
      "--include-crds",
      "--set",
      "storage.createClaim=true",
      // The suite's namespaces already hold the claim mammoflow-data.
      "--set",
      "config.storage.claimName=chart-data",
    ],
    { encoding: "utf8" },
  );
  return parseAllDocuments(out)
    .map((d) => d.toJS() as Rendered | null)
    .filter((d): d is Rendered => d !== null);
}

describe("the Helm chart on the real control plane", () => {
  const cluster = useClusterNamespace("chart");

  it("renders objects the API server accepts (server-side apply, dry run)", async () => {
    const objects = render(cluster.name);
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [
        "ClusterRole",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterRoleBinding",
        "ConfigMap",
        "Deployment",
        "PersistentVolumeClaim",
        "PodDisruptionBudget",
        "Role",
        "RoleBinding",
        "Service",
        "ServiceAccount",
        ...Array(6).fill("CustomResourceDefinition"),
      ].sort(),
    );
    for (const object of objects) {
      const collection = COLLECTIONS[object.kind];
      if (!collection) throw new Error(`no REST path known for ${object.kind}`);
      const path = `${collection.prefix}${collection.namespaced ? `/namespaces/${cluster.name}` : ""}/${collection.plural}/${object.metadata.name}`;
      const accepted = await cluster.admin.request<Rendered>("PATCH", path, {
        body: object,
        contentType: "application/apply-patch+yaml",
        query: { fieldManager: "helm-dry-run", force: true, dryRun: "All" },
        verb: "apply",
      });
      expect(accepted.kind, path).toBe(object.kind);
      expect(accepted.metadata.name).toBe(object.metadata.name);
    }
  });
});
