import { PREFLIGHT_DIGEST_LENGTH, PREFLIGHT_ID_PREFIX } from "../../jobs/contract/missing-inputs.ts";
import { STAGE_CATALOGUE } from "../../jobs/contract/stages.ts";
import { USER_ANNOTATIONS } from "../api/annotations.ts";
import type { KindDefinition } from "../api/index.ts";
import { API_GROUP_VERSION } from "../api/index.ts";
import { LABEL_VALUE_MAX_LENGTH } from "../api/rules.ts";
import { addMemory } from "../executors/kubernetes/quantity.ts";
import type { OpenApiSchema } from "./structural-schema.ts";
import { structuralSchemaOf } from "./structural-schema.ts";

interface FieldRow {
  path: string;
  type: string;
  required: boolean;
  defaultValue: unknown;
  description: string;
  rules: string[];
}

function typeOf(node: OpenApiSchema): string {
  if (Array.isArray(node.enum)) return node.enum.map((v) => `\`${String(v)}\``).join(" | ");
  if (node.type === "array") return `${typeOf((node.items ?? {}) as OpenApiSchema)}[]`;
  if (node.type === "object" && node.additionalProperties) {
    return `map[string]${typeOf(node.additionalProperties as OpenApiSchema)}`;
  }
  return String(node.type ?? "any");
}

function constraintsOf(node: OpenApiSchema): string[] {
  const parts: string[] = [];
  if (node.minimum !== undefined) parts.push(`${node.exclusiveMinimum ? ">" : "≥"} ${node.minimum}`);
  if (node.maximum !== undefined) parts.push(`${node.exclusiveMaximum ? "<" : "≤"} ${node.maximum}`);
  if (node.multipleOf !== undefined) parts.push(`multiple of ${node.multipleOf}`);
  if (node.minItems !== undefined) parts.push(`at least ${node.minItems} items`);
  if (node.maxItems !== undefined) parts.push(`at most ${node.maxItems} items`);
  if (node.pattern !== undefined) parts.push(`pattern \`${node.pattern}\``);
  const validations = (node["x-kubernetes-validations"] ?? []) as { rule: string; message: string }[];
  for (const v of validations) parts.push(`${v.message} (CEL \`${v.rule}\`)`);
  return parts;
}

function collectFields(node: OpenApiSchema, prefix: string, required: boolean, rows: FieldRow[]): void {
  if (prefix) {
    rows.push({
      path: prefix,
      type: typeOf(node),
      required,
      defaultValue: node.default,
      description: String(node.description ?? ""),
      rules: constraintsOf(node),
    });
  }
  const requiredNames = new Set((node.required ?? []) as string[]);
  const properties = (node.properties ?? {}) as Record<string, OpenApiSchema>;
  for (const [name, child] of Object.entries(properties)) {
    collectFields(child, prefix ? `${prefix}.${name}` : name, requiredNames.has(name), rows);
  }
  const values = node.additionalProperties as OpenApiSchema | undefined;
  if (values && typeof values === "object" && values.properties) {
    for (const [name, child] of Object.entries(values.properties as Record<string, OpenApiSchema>)) {
      collectFields(child, `${prefix}.*.${name}`, false, rows);
    }
  }
  if (node.type === "array" && node.items) {
    const items = node.items as OpenApiSchema;
    const itemRequired = new Set((items.required ?? []) as string[]);
    for (const [name, child] of Object.entries((items.properties ?? {}) as Record<string, OpenApiSchema>)) {
      collectFields(child, `${prefix}[].${name}`, itemRequired.has(name), rows);
    }
  }
}

/** Every field of a schema (depth first), as documented in the API reference. */
export function fieldRowsOf(schema: OpenApiSchema, prefix: string): FieldRow[] {
  const rows: FieldRow[] = [];
  collectFields(schema, prefix, true, rows);
  return rows;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function formatDefault(value: unknown): string {
  if (value === undefined) return "";
  const text = JSON.stringify(value);
  return text.length > 80 ? "see description" : `\`${text}\``;
}

function renderTable(rows: FieldRow[]): string {
  const lines = ["| field | type | default | description |", "|---|---|---|---|"];
  for (const row of rows) {
    const description = [row.description, ...row.rules.map((r) => `*${r}*`)].filter(Boolean).join(" ");
    const name = row.required && row.defaultValue === undefined ? `\`${row.path}\` (required)` : `\`${row.path}\``;
    lines.push(
      `| ${name} | ${escapeCell(row.type)} | ${escapeCell(formatDefault(row.defaultValue))} | ${escapeCell(description)} |`,
    );
  }
  return lines.join("\n");
}

/** Rules on the spec as a whole (they relate several fields), listed above the field table. */
function renderObjectRules(schema: OpenApiSchema): string[] {
  const rules = (schema["x-kubernetes-validations"] ?? []) as { rule: string; message: string }[];
  if (rules.length === 0) return [];
  return ["Rules checked by the API server:", "", ...rules.map((r) => `- ${r.message} (CEL \`${r.rule}\`)`), ""];
}

/** The API reference (markdown) of every kind: prose from doc comments, then every field. */
export function renderApiReference(kinds: readonly KindDefinition[], descriptions: Map<string, string>): string {
  const parts = [
    "# mammoflow API reference",
    "",
    `<!-- Generated by \`npm run generate\` from operator/api; do not edit. -->`,
    "",
    `Group and version: \`${API_GROUP_VERSION}\`. Every kind is namespaced, has a \`status\` subresource and belongs to the category \`mammoflow\` (\`kubectl get mammoflow\`). Paths in specs are relative to the storage root and may not contain \`..\`.`,
    "",
    ...kinds.map((k) => `- [${k.kind}](#${k.kind.toLowerCase()})`),
  ];
  for (const kind of kinds) {
    parts.push(
      "",
      `## ${kind.kind}`,
      "",
      descriptions.get(kind.kind) ?? "",
      "",
      `Plural \`${kind.plural}\`, short names ${kind.shortNames.map((s) => `\`${s}\``).join(", ")}. Columns of \`kubectl get\`: ${kind.printerColumns.map((c) => c.name).join(", ")}.`,
      "",
      `Names are at most ${LABEL_VALUE_MAX_LENGTH - kind.longestDerivedSuffix.length} characters: the longest stage Job name the operator derives is \`<name>${kind.longestDerivedSuffix}\`, and a Job name is at most ${LABEL_VALUE_MAX_LENGTH} (the API server refuses a longer resource name).${preflightJobNote(kind)}`,
      "",
      "### spec",
      "",
      ...renderObjectRules(structuralSchemaOf(kind.spec)),
      renderTable(fieldRowsOf(structuralSchemaOf(kind.spec), "spec").slice(1)),
      "",
      "### status",
      "",
      renderTable(fieldRowsOf(structuralSchemaOf(kind.status), "status").slice(1)),
    );
  }
  parts.push("", ...renderAnnotations(), "", ...renderStageSizes());
  return `${parts.join("\n")}\n`;
}

/** Annotations a user sets on any kind to ask for an action (api/annotations.ts). */
function renderAnnotations(): string[] {
  return [
    "## Annotations",
    "",
    "Set on a resource of any kind to ask the operator for an action that is not a desired state.",
    "",
    "| annotation | effect |",
    "| --- | --- |",
    ...USER_ANNOTATIONS.map((a) => `| \`${a.name}\` | ${escapeCell(a.description)} |`),
  ];
}

/** The default pod size of every stage (the stage catalogue), which placement.resources changes. */
function renderStageSizes(): string[] {
  return [
    "## Stage pod sizes",
    "",
    "Defaults of each stage's pods on a cluster (`jobs/contract/stages.ts`). A GPU pool's `resources` in the operator configuration, then a resource's `spec.placement.resources`, change them field by field. Requests are CPU, memory and ephemeral storage; the memory limit is memory + shm, because the memory-backed `/dev/shm` is charged to the pod; GPU stages also request and limit `placement.gpusPerPod` GPUs; there is no CPU limit. `deadlineHours` becomes the Job's `activeDeadlineSeconds`.",
    "",
    "| stage | image | cpu | memory | ephemeralStorage | shm | memory limit | deadlineHours |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...Object.entries(STAGE_CATALOGUE).map(
      ([name, stage]) =>
        `| \`${name}\` | ${stage.language} | ${stage.sizing.cpu} | ${stage.sizing.memory} | ${stage.sizing.ephemeralStorage} | ${stage.sizing.shm} | ${addMemory(stage.sizing.memory, stage.sizing.shm)} | ${stage.sizing.deadlineHours} |`,
    ),
  ];
}

/**
 * The input preflight's Job is not among the stage Jobs the name limit is derived from (a longer
 * limit would refuse names that work): for a long name it takes the hashed short form.
 */
function preflightJobNote(kind: KindDefinition): string {
  const suffix = `-${kind.shortNames[0] ?? ""}-${PREFLIGHT_ID_PREFIX}<digest>`;
  const fits = LABEL_VALUE_MAX_LENGTH - (suffix.length - "<digest>".length + PREFLIGHT_DIGEST_LENGTH);
  if (fits >= LABEL_VALUE_MAX_LENGTH - kind.longestDerivedSuffix.length) return "";
  return ` The input preflight's Job, \`<name>${suffix}\`, is longer: for a name of more than ${fits} characters it is cut to ${LABEL_VALUE_MAX_LENGTH}, ending in a hash of the full name.`;
}
