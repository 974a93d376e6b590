// The chart's RBAC lets the operator read what it needs for progress (issue 18): the log of a
// stage pod (GET pods/NAME/log) in the watched namespace, and nothing more about pods than
// before: no exec, no attach, no logs elsewhere. The operator reads the last lines of a running
// stage's log for its latest progress event (operator/controllers/stage-progress.ts).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KubeClient } from "../../operator/kube/client.ts";
import { kubeconfigFor } from "./harness/control-plane.ts";
import { adminClient, createNamespace, deleteNamespace, kubeconfigPath } from "./support/cluster.ts";
import { renderTemplate } from "./support/render-chart.ts";

describe("the chart's RBAC and progress", () => {
  let admin: KubeClient;
  let ns: string;
  let sa: KubeClient;
  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "progress-rbac");
    const release = `mammoflow-${ns}`;
    for (const object of renderTemplate("rbac.yaml", { name: release, namespace: ns }, { watchNamespace: ns })) {
      const { kind, metadata } = object as { kind: string; metadata: { name: string } };
      const plural = kind === "Role" ? "roles" : "rolebindings";
      await admin.apply(
        `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/${plural}/${metadata.name}`,
        object,
        "mammoflow-tests",
      );
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
    sa = KubeClient.fromFile(
      kubeconfigFor(mkdtempSync(path.join(tmpdir(), "progress-rbac-")), server, "operator-sa", token.status.token),
    );
  });
  afterAll(async () => {
    await deleteNamespace(admin, ns);
  });

  it("may get a pod's log in the watched namespace, and not exec, attach or read logs elsewhere", async () => {
    const can = async (verb: string, subresource: string, namespace = ns) =>
      (
        await sa.create<{ status: { allowed: boolean } }>("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: { resourceAttributes: { namespace, verb, resource: "pods", subresource, group: "" } },
        })
      ).status.allowed;
    expect(await can("get", "log")).toBe(true);
    expect(await can("get", "log", "default")).toBe(false);
    expect(await can("create", "exec")).toBe(false);
    expect(await can("create", "attach")).toBe(false);
    expect(await can("get", "exec")).toBe(false);
  });
});
