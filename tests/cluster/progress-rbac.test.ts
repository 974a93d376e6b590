// The chart's RBAC lets the operator read what it needs for progress (issue 18): the log of a
// stage pod (GET pods/NAME/log) in the watched namespace, and nothing more about pods than
// before: no exec, no attach, no logs elsewhere. The operator reads the last lines of a running
// stage's log for its latest progress event (operator/controllers/stage-progress.ts).
import { describe, expect, it } from "vitest";
import { KubeClient } from "../../operator/kube/client.ts";
import { installChartRbac } from "./support/chart-rbac.ts";
import { useClusterNamespace } from "./support/namespace.ts";

describe("the chart's RBAC and progress", () => {
  let sa: KubeClient;
  const cluster = useClusterNamespace("progress-rbac").setup(async (t) => {
    sa = KubeClient.fromFile((await installChartRbac(t)).kubeconfig);
  });

  it("may get a pod's log in the watched namespace, and not exec, attach or read logs elsewhere", async () => {
    const can = async (verb: string, subresource: string, namespace = cluster.name) =>
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
