import { z } from "zod";

/** A node of an OpenAPI v3 schema as Kubernetes accepts it in a CRD. */
export type OpenApiSchema = { [key: string]: unknown };

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Rewrites one JSON Schema (draft 2020-12, from zod) node into the structural OpenAPI v3 subset
 * that kube-apiserver accepts: numeric exclusive bounds become booleans, `const` becomes a
 * one-value enum, zod's safe-integer bounds and date-time patterns are dropped (the API server
 * checks `format` instead), and keys Kubernetes rejects are removed.
 */
function toStructuralNode(node: OpenApiSchema): OpenApiSchema {
  const out: OpenApiSchema = {};
  for (const [key, value] of Object.entries(node)) {
    switch (key) {
      case "$schema":
      case "propertyNames":
        break;
      case "const":
        out.enum = [value];
        break;
      case "exclusiveMinimum":
        out.minimum = value;
        out.exclusiveMinimum = true;
        break;
      case "exclusiveMaximum":
        out.maximum = value;
        out.exclusiveMaximum = true;
        break;
      case "minimum":
        if (value !== -MAX_SAFE) out.minimum = value;
        break;
      case "maximum":
        if (value !== MAX_SAFE) out.maximum = value;
        break;
      case "pattern":
        if (node.format !== "date-time") out.pattern = value;
        break;
      case "additionalProperties":
        if (value === false) break;
        out.additionalProperties =
          value && typeof value === "object" && Object.keys(value).length > 0
            ? toStructuralNode(value as OpenApiSchema)
            : undefined;
        if (out.additionalProperties === undefined) {
          delete out.additionalProperties;
          out["x-kubernetes-preserve-unknown-fields"] = true;
        }
        break;
      case "properties":
        out.properties = Object.fromEntries(
          Object.entries(value as Record<string, OpenApiSchema>).map(([name, child]) => [
            name,
            toStructuralNode(child),
          ]),
        );
        break;
      case "items":
        out.items = toStructuralNode(value as OpenApiSchema);
        break;
      case "anyOf":
      case "oneOf":
      case "allOf":
      case "not":
      case "$ref":
      case "$defs":
        throw new Error(
          `schema uses '${key}', which a structural CRD schema cannot express: ${JSON.stringify(node).slice(0, 200)}`,
        );
      default:
        out[key] = value;
    }
  }
  if (isPlainObject(out.default) && out.properties) {
    out.default = withNestedDefaults(out.properties as Record<string, OpenApiSchema>, out.default);
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * An object default with its properties' defaults filled in, as structural defaulting would.
 * kube-apiserver checks a default against the schema's CEL rules as written, so `default: {}`
 * fails any rule that reads a defaulted field (e.g. minBatch <= optBatch): "no such key".
 */
function withNestedDefaults(properties: Record<string, OpenApiSchema>, value: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...value };
  for (const [name, child] of Object.entries(properties)) {
    if (!(name in out) && child.default !== undefined) out[name] = structuredClone(child.default);
    else if (isPlainObject(out[name]) && child.properties) {
      out[name] = withNestedDefaults(
        child.properties as Record<string, OpenApiSchema>,
        out[name] as Record<string, unknown>,
      );
    }
  }
  return out;
}

/** The structural OpenAPI v3 schema of a zod schema, in its input shape (defaults, optionals). */
export function structuralSchemaOf(schema: z.ZodType): OpenApiSchema {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "throw", reused: "inline", cycles: "throw" });
  return toStructuralNode(json as OpenApiSchema);
}
