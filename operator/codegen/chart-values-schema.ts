// The Helm chart's values.schema.json: Helm checks every install, upgrade, template and lint
// against it, so a typo'd value ("replicaCout", "config.gpuPool") fails there, naming the field,
// instead of being ignored. `config` is the operator's configuration schema itself
// (operator/config/schema.ts), so chart and operator cannot disagree on it; the rest describes
// what the chart's templates read.
import { z } from "zod";
import { MammoflowConfig } from "../config/schema.ts";

const kubernetesObject = z.record(z.string(), z.unknown());
const imageRepository = z.string().min(1);

export const ChartValues = z.object({
  image: z.object({
    repository: imageRepository.describe("The operator image, without its tag."),
    tag: z.string().describe("Tag of the operator and both stage images; empty means the chart's appVersion."),
    pullPolicy: z.enum(["Always", "IfNotPresent", "Never"]),
  }),
  stageImages: z
    .object({
      typescriptStage: imageRepository,
      pythonStage: imageRepository,
    })
    .describe("Stage image repositories, tagged with image.tag (config.images.* set in full wins)."),
  imagePullSecrets: z.array(z.object({ name: z.string().min(1) })),
  replicaCount: z.int().min(1),
  watchNamespace: z.string().describe("Watch one namespace (Role there), or all (ClusterRole) when empty."),
  gpuCapacityCheck: z.object({
    enabled: z
      .boolean()
      .describe(
        "Check that GPU stages have nodes before they start (sets config.operator.gpuCapacityCheck); needs a ClusterRole reading nodes.",
      ),
  }),
  serviceAccount: z.object({
    create: z.boolean(),
    name: z.string(),
    annotations: z.record(z.string(), z.string()),
  }),
  resources: kubernetesObject,
  podAnnotations: z.record(z.string(), z.string()),
  nodeSelector: z.record(z.string(), z.string()),
  tolerations: z.array(kubernetesObject),
  affinity: kubernetesObject,
  podDisruptionBudget: z.object({
    enabled: z.boolean().describe("Keep one operator replica through voluntary disruptions (needs replicaCount > 1)."),
  }),
  crds: z.object({
    install: z.boolean().describe("Install and upgrade the CRDs with the chart."),
  }),
  config: MammoflowConfig,
  storage: z.object({
    createClaim: z.boolean(),
    storageClassName: z.string(),
    size: z.string().min(1),
  }),
  metrics: z.object({
    service: z.object({ enabled: z.boolean() }),
    serviceMonitor: z.object({
      enabled: z.boolean(),
      interval: z.string().min(1),
      labels: z.record(z.string(), z.string()),
    }),
  }),
});

type JsonSchema = { [key: string]: unknown };

/**
 * Closes every object that lists its properties (records keep their additionalProperties
 * schema) and drops `default` and `required`: Helm validates the values merged with the chart's
 * values.yaml, so every key is present, and a default here would only restate values.yaml.
 */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== "object") return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "default" || key === "required") continue;
    out[key] = key === "properties" ? mapValues(value as JsonSchema, closeObjects) : closeObjects(value);
  }
  if (out.type === "object" && out.properties !== undefined && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

const mapValues = (object: JsonSchema, f: (v: unknown) => unknown) =>
  Object.fromEntries(Object.entries(object).map(([k, v]) => [k, f(v)]));

export function chartValuesSchema(): string {
  const json = z.toJSONSchema(ChartValues, { io: "input", unrepresentable: "any", reused: "inline" });
  return `${JSON.stringify(closeObjects(json), null, 2)}\n`;
}
