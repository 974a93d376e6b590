import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { MammoflowConfig } from "../../../operator/config/schema.ts";

// helm is built from its Go module by `npm run setup` (scripts/setup.sh) into .tools/bin.
const HELM = ".tools/bin/helm";

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };

function helmTemplate(set: string[]): string {
  const args = ["template", "mammoflow", "charts/mammoflow", "--namespace", "mammography", "--include-crds"];
  for (const s of set) args.push("--set", s);
  return execFileSync(HELM, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function render(...set: string[]): K8sObject[] {
  return parseAllDocuments(helmTemplate(set))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((d): d is K8sObject => d !== null);
}

interface Container {
  args: string[];
  env: { name: string; value?: string }[];
  securityContext: unknown;
  livenessProbe: { httpGet: unknown };
  readinessProbe: { httpGet: unknown };
}
interface Deployment {
  spec: {
    replicas: number;
    template: { spec: { securityContext: unknown; serviceAccountName: string; containers: Container[] } };
  };
}

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

describe("Helm chart", () => {
  it("passes helm lint --strict", () => {
    const out = execFileSync(HELM, ["lint", "--strict", "charts/mammoflow"], { encoding: "utf8" });
    expect(out).toContain("1 chart(s) linted, 0 chart(s) failed");
  });

  it("installs and upgrades exactly the generated CRDs, kept on uninstall, unless crds.install=false", () => {
    const crds = byKind(render(), "CustomResourceDefinition");
    const generated = readdirSync("crds")
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => parse(readFileSync(`crds/${f}`, "utf8")) as K8sObject);
    expect(crds.map((c) => c.metadata.name).sort()).toEqual(generated.map((c) => c.metadata.name).sort());
    for (const crd of crds) {
      const { annotations, ...metadata } = crd.metadata as { annotations?: Record<string, string> };
      expect(annotations).toEqual({ "helm.sh/resource-policy": "keep" });
      expect({ ...crd, metadata }).toEqual(generated.find((g) => g.metadata.name === crd.metadata.name));
    }
    expect(byKind(render("crds.install=false"), "CustomResourceDefinition")).toEqual([]);
  });

  it("refuses unknown and ill-typed values, naming them (values.schema.json)", () => {
    const refusal = (...set: string[]) => {
      try {
        helmTemplate(set);
      } catch (error) {
        return String((error as { stderr?: string }).stderr);
      }
      throw new Error(`helm template accepted ${set.join(" ")}`);
    };
    expect(refusal("replicaCout=3")).toContain("additional properties 'replicaCout' not allowed");
    expect(refusal("config.gpuPool.a100.gpuType=h100")).toMatch(
      /at '\/config': additional properties 'gpuPool' not allowed/,
    );
    expect(refusal("config.logLevel=loud")).toMatch(/at '\/config\/logLevel'/);
    expect(refusal("config.operator.workers=0")).toMatch(/at '\/config\/operator\/workers'/);
  });

  it("tags the operator and both stage images with the chart's appVersion, or with image.tag", () => {
    const chart = parse(readFileSync("charts/mammoflow/Chart.yaml", "utf8")) as { appVersion: string };
    const images = (objects: K8sObject[]) => {
      const [deployment] = byKind(objects, "Deployment") as unknown as {
        spec: { template: { spec: { containers: { image: string }[] } } };
      }[];
      const [configMap] = byKind(objects, "ConfigMap") as unknown as { data: Record<string, string> }[];
      const config = MammoflowConfig.parse(parse(configMap?.data["config.yaml"] ?? ""));
      return [
        deployment?.spec.template.spec.containers[0]?.image,
        config.images.typescriptStage,
        config.images.pythonStage,
      ];
    };
    expect(images(render())).toEqual([
      `ghcr.io/mammoflow/operator:${chart.appVersion}`,
      `ghcr.io/mammoflow/stage-ts:${chart.appVersion}`,
      `ghcr.io/mammoflow/stage-python:${chart.appVersion}`,
    ]);
    expect(images(render("image.tag=1.2.3", "config.images.pythonStage=registry.example/py@sha256:abc"))).toEqual([
      "ghcr.io/mammoflow/operator:1.2.3",
      "ghcr.io/mammoflow/stage-ts:1.2.3",
      "registry.example/py@sha256:abc",
    ]);
  });

  it("keeps one replica through voluntary disruptions when there are two", () => {
    const [pdb] = byKind(render(), "PodDisruptionBudget") as unknown as {
      spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } };
    }[];
    expect(pdb?.spec.maxUnavailable).toBe(1);
    expect(pdb?.spec.selector.matchLabels).toMatchObject({ "app.kubernetes.io/component": "operator" });
    expect(byKind(render("replicaCount=1"), "PodDisruptionBudget")).toEqual([]);
  });

  it("runs the operator as a restricted, non-root Deployment with probes and its configuration", () => {
    const objects = render();
    const [deployment] = byKind(objects, "Deployment") as unknown as Deployment[];
    expect(deployment?.spec.replicas).toBe(2);
    const pod = deployment?.spec.template.spec;
    expect(pod?.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    const container = pod?.containers[0];
    expect(container?.args).toEqual(["operator"]);
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container?.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "health" });
    expect(container?.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "health" });
    expect(container?.env).toContainEqual({ name: "MAMMOFLOW_CONFIG", value: "/etc/mammoflow/config.yaml" });
    expect(pod?.serviceAccountName).toBe("mammoflow");
    const [configMap] = byKind(objects, "ConfigMap") as unknown as { data: Record<string, string> }[];
    const config = MammoflowConfig.parse(parse(configMap?.data["config.yaml"] ?? ""));
    expect(config.gpuPools.a100?.gpuResource).toBe("nvidia.com/gpu");
  });

  it("renders the optional claim, ServiceMonitor and namespace watch on request", () => {
    expect(byKind(render(), "PersistentVolumeClaim")).toEqual([]);
    const objects = render(
      "storage.createClaim=true",
      "storage.storageClassName=cephfs",
      "metrics.serviceMonitor.enabled=true",
      "watchNamespace=mammography",
    );
    const [claim] = byKind(objects, "PersistentVolumeClaim") as unknown as {
      metadata: { name: string };
      spec: Record<string, unknown>;
    }[];
    expect(claim?.metadata.name).toBe("mammoflow-data");
    expect(claim?.spec).toMatchObject({ accessModes: ["ReadWriteMany"], storageClassName: "cephfs" });
    expect(byKind(objects, "ServiceMonitor")).toHaveLength(1);
    const [deployment] = byKind(objects, "Deployment") as unknown as Deployment[];
    expect(deployment?.spec.template.spec.containers[0]?.env).toContainEqual({
      name: "MAMMOFLOW_NAMESPACE",
      value: "mammography",
    });
  });

  it("grants its rights in the watched namespace only when watchNamespace is set, cluster-wide otherwise", () => {
    const rbac = (objects: K8sObject[]) =>
      objects
        .filter((o) => o.apiVersion.startsWith("rbac.authorization.k8s.io/"))
        .map((o) => `${o.kind} ${(o.metadata as { namespace?: string }).namespace ?? "-"} ${o.metadata.name}`)
        .sort();
    // Nodes have no namespace: the GPU capacity check's read-only ClusterRole is there in both modes.
    expect(rbac(render("watchNamespace=team-a"))).toEqual([
      "ClusterRole - mammoflow-nodes",
      "ClusterRoleBinding - mammoflow-nodes",
      "Role mammography mammoflow-leader-election",
      "Role team-a mammoflow",
      "RoleBinding mammography mammoflow-leader-election",
      "RoleBinding team-a mammoflow",
    ]);
    expect(rbac(render())).toEqual([
      "ClusterRole - mammoflow",
      "ClusterRole - mammoflow-nodes",
      "ClusterRoleBinding - mammoflow",
      "ClusterRoleBinding - mammoflow-nodes",
      "Role mammography mammoflow-leader-election",
      "RoleBinding mammography mammoflow-leader-election",
    ]);
    expect(rbac(render("watchNamespace=team-a", "gpuCapacityCheck.enabled=false"))).toEqual([
      "Role mammography mammoflow-leader-election",
      "Role team-a mammoflow",
      "RoleBinding mammography mammoflow-leader-election",
      "RoleBinding team-a mammoflow",
    ]);
    const [binding] = render("watchNamespace=team-a").filter(
      (o) => o.kind === "RoleBinding" && o.metadata.name === "mammoflow",
    ) as unknown as {
      roleRef: { kind: string };
      subjects: { namespace: string }[];
    }[];
    expect(binding?.roleRef.kind).toBe("Role");
    expect(binding?.subjects[0]?.namespace).toBe("mammography");
  });

  it("reads nodes for the GPU capacity check, and only them, unless gpuCapacityCheck.enabled=false turns both off", () => {
    const nodes = render().find((o) => o.kind === "ClusterRole" && o.metadata.name === "mammoflow-nodes");
    expect(nodes?.rules).toEqual([{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] }]);
    const binding = render().find((o) => o.kind === "ClusterRoleBinding" && o.metadata.name === "mammoflow-nodes");
    expect(binding?.subjects).toEqual([{ kind: "ServiceAccount", name: "mammoflow", namespace: "mammography" }]);
    const check = (...set: string[]) => {
      const configMap = byKind(render(...set), "ConfigMap")[0] as unknown as { data: Record<string, string> };
      return MammoflowConfig.parse(parse(configMap.data["config.yaml"] ?? "")).operator.gpuCapacityCheck;
    };
    expect(check()).toBe(true);
    expect(check("gpuCapacityCheck.enabled=false")).toBe(false);
    // The chart value decides: a check without its ClusterRole could never list a Node.
    expect(check("gpuCapacityCheck.enabled=false", "config.operator.gpuCapacityCheck=true")).toBe(false);
  });

  it("runs the input preflight unless config.operator.inputPreflight=false", () => {
    const preflight = (...set: string[]) => {
      const configMap = byKind(render(...set), "ConfigMap")[0] as unknown as { data: Record<string, string> };
      return MammoflowConfig.parse(parse(configMap.data["config.yaml"] ?? "")).operator.inputPreflight;
    };
    expect(preflight()).toBe(true);
    expect(preflight("config.operator.inputPreflight=false")).toBe(false);
  });
});
