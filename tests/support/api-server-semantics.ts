// What kube-apiserver does with a structural schema before it stores an object, re-created with
// a real CEL evaluator (@bufbuild/cel) so tests can check that the generated CEL rules and the
// zod refinements agree. The full API-server check runs in the cluster suite.
import { run } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import { kindByName } from "../../operator/api/index.ts";
import { type OpenApiSchema, structuralSchemaOf } from "../../operator/codegen/structural-schema.ts";

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Structural defaulting: an absent property with a default gets it, then defaults apply inside. */
export function applyDefaults(schema: OpenApiSchema, value: Json): Json {
  if (isObject(value) && schema.properties) {
    const out: Record<string, Json> = { ...value };
    for (const [name, child] of Object.entries(schema.properties as Record<string, OpenApiSchema>)) {
      if (!(name in out) && child.default !== undefined) out[name] = structuredClone(child.default);
      if (name in out) out[name] = applyDefaults(child, out[name]);
    }
    return out;
  }
  if (Array.isArray(value) && schema.items)
    return value.map((item) => applyDefaults(schema.items as OpenApiSchema, item));
  return value;
}

/** JSON → CEL values as the API server types them: integer fields are ints, objects are maps. */
function toCel(schema: OpenApiSchema, value: Json): unknown {
  if (Array.isArray(value)) return value.map((item) => toCel((schema.items ?? {}) as OpenApiSchema, item));
  if (isObject(value)) {
    const properties = (schema.properties ?? {}) as Record<string, OpenApiSchema>;
    const extra = (schema.additionalProperties ?? {}) as OpenApiSchema;
    return new Map(Object.entries(value).map(([k, v]) => [k, toCel(properties[k] ?? extra, v)]));
  }
  if (schema.type === "integer" && typeof value === "number") return BigInt(value);
  return value;
}

export interface RuleOutcome {
  path: string;
  rule: string;
  message: string;
  holds: boolean;
}

/** Evaluates every x-kubernetes-validations rule at every place it applies in `value`. */
export function evaluateRules(schema: OpenApiSchema, value: Json, path = ""): RuleOutcome[] {
  const outcomes: RuleOutcome[] = [];
  const rules = (schema["x-kubernetes-validations"] ?? []) as { rule: string; message: string }[];
  for (const { rule, message } of rules) {
    const result = run(rule, { self: toCel(schema, value) as never }, { funcs: strings });
    if (typeof result !== "boolean")
      throw new Error(`CEL rule at ${path || "(root)"} did not evaluate to a bool: ${rule}: ${String(result)}`);
    outcomes.push({ path, rule, message, holds: result });
  }
  if (isObject(value)) {
    for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, OpenApiSchema>)) {
      if (name in value) outcomes.push(...evaluateRules(child, value[name], `${path}.${name}`));
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => {
      outcomes.push(...evaluateRules(schema.items as OpenApiSchema, item, `${path}[${i}]`));
    });
  }
  return outcomes;
}

/** Every schema node with its JSON path, depth first. */
export function* schemaNodes(schema: OpenApiSchema, path = ""): Generator<[string, OpenApiSchema]> {
  yield [path, schema];
  for (const [name, child] of Object.entries((schema.properties ?? {}) as Record<string, OpenApiSchema>)) {
    yield* schemaNodes(child, `${path}.${name}`);
  }
  if (schema.items) yield* schemaNodes(schema.items as OpenApiSchema, `${path}[]`);
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    yield* schemaNodes(schema.additionalProperties as OpenApiSchema, `${path}{}`);
  }
}

/**
 * What the two checks of a `kind` spec say: zod's issues (the operator and `mammoflow validate`)
 * and the messages of the CEL rules that fail once structural defaults are applied (the API
 * server), so a test can show that they agree.
 */
export function specVerdicts(kind: string, spec: unknown) {
  const definition = kindByName(kind);
  if (!definition) throw new Error(`unknown kind ${kind}`);
  const schema = structuralSchemaOf(definition.spec);
  return {
    zodIssues: definition.spec.safeParse(spec).error?.issues ?? [],
    failedRules: evaluateRules(schema, applyDefaults(schema, spec))
      .filter((o) => !o.holds)
      .map((o) => o.message),
  };
}
