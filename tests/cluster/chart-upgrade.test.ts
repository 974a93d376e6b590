// The chart's CRD life cycle with helm itself against the real API server: `helm upgrade`
// upgrades the CRDs (they are templates, not crds/, which Helm never upgrades), and `helm
// uninstall` keeps them and the resources of their kinds (helm.sh/resource-policy: keep).
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { kubeconfigPath } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";

const HELM = ".tools/bin/helm";
const SUBMISSIONS_CRD = "submissions.mammoflow.io";
const OLD_MARK = "(as an older chart version described it)";

interface Crd {
  metadata: { annotations?: Record<string, string> };
  spec: { versions: { schema: { openAPIV3Schema: { description?: string } } }[] };
}

describe("the chart's CRDs under helm install, upgrade and uninstall", () => {
  let oldChart: string;
  const cluster = useClusterNamespace("chart-upgrade").setup((t) => {
    // The "previous release": the same chart with one CRD's description changed.
    oldChart = path.join(mkdtempSync(path.join(tmpdir(), "mammoflow-chart-")), "mammoflow");
    t.onClose(() => rmSync(path.dirname(oldChart), { recursive: true, force: true }));
    cpSync("charts/mammoflow", oldChart, { recursive: true });
    const file = path.join(oldChart, "files/crds/mammoflow.io_submissions.yaml");
    const text = readFileSync(file, "utf8");
    const schemaDescription = /(openAPIV3Schema:\n {10}type: object\n {10}description: ).+$/m;
    if (!schemaDescription.test(text)) throw new Error(`no schema description in ${file}`);
    writeFileSync(file, text.replace(schemaDescription, `$1"${OLD_MARK}"`));
  });
  const helm = (...args: string[]) =>
    execFileSync(HELM, [...args, "--kubeconfig", kubeconfigPath(), "--namespace", cluster.name], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  // A watched namespace (a Role, no cluster-wide RBAC) and the suite's claim name.
  const values = () => ["--set", `watchNamespace=${cluster.name}`, "--set", "config.storage.claimName=mammoflow-data"];
  const crdDescription = async () =>
    (await cluster.admin.get<Crd>(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${SUBMISSIONS_CRD}`)).spec
      .versions[0]?.schema.openAPIV3Schema.description;

  it("upgrades the CRDs with the release and keeps them and their resources on uninstall", async () => {
    const before = await crdDescription();
    // The suite installed the CRDs itself: the first release takes them over, as a cluster whose
    // CRDs were applied with kubectl would.
    helm("install", "mammoflow", oldChart, "--take-ownership", "--force-conflicts", ...values());
    expect(await crdDescription()).toBe(OLD_MARK);

    helm("upgrade", "mammoflow", "charts/mammoflow", ...values());
    expect(await crdDescription()).toBe(before);
    const crd = await cluster.admin.get<Crd>(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${SUBMISSIONS_CRD}`,
    );
    expect(crd.metadata.annotations?.["helm.sh/resource-policy"]).toBe("keep");

    await cluster.create("RoiDetectorTraining", "survivor", { source: "Trained", checkpoint: "a/b.pth" });
    const uninstalled = helm("uninstall", "mammoflow");
    expect(uninstalled).toMatch(/kept due to the resource policy[\s\S]*CustomResourceDefinition/);
    expect(await crdDescription()).toBe(before);
    expect((await cluster.get("RoiDetectorTraining", "survivor")).metadata.name).toBe("survivor");
  });
});
