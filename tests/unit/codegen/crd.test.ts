import { describe, expect, it } from "vitest";
import { ALL_KINDS } from "../../../operator/api/index.ts";
import { buildCrd } from "../../../operator/codegen/crd.ts";
import { readKindDescriptions } from "../../../operator/codegen/doc-comments.ts";
import type { OpenApiSchema } from "../../../operator/codegen/structural-schema.ts";
import { applyDefaults, schemaNodes } from "../../support/api-server-semantics.ts";

const descriptions = readKindDescriptions("operator/api/kinds");

function openApiOf(crd: Record<string, unknown>): OpenApiSchema {
  const versions = (crd.spec as { versions: { schema: { openAPIV3Schema: OpenApiSchema } }[] }).versions;
  return versions[0]?.schema.openAPIV3Schema as OpenApiSchema;
}

const FORBIDDEN_KEYS = ["anyOf", "oneOf", "allOf", "not", "$ref", "$defs", "const", "$schema", "propertyNames"];

describe.each(ALL_KINDS.map((k) => [k.kind, k] as const))("CRD of %s", (_name, kind) => {
  const crd = buildCrd(kind, descriptions.get(kind.kind));
  const schema = openApiOf(crd);
  const nodes = [...schemaNodes(schema)];

  it("names the kind in group mammoflow.io with a short name and the mammoflow category", () => {
    expect((crd.metadata as { name: string }).name).toBe(`${kind.plural}.mammoflow.io`);
    const names = (crd.spec as { names: Record<string, unknown> }).names;
    expect(names.categories).toEqual(["mammoflow"]);
    expect((names.shortNames as string[]).length).toBeGreaterThan(0);
    const version = (crd.spec as { versions: Record<string, unknown>[] }).versions[0];
    expect(version).toMatchObject({ name: "v1alpha1", served: true, storage: true, subresources: { status: {} } });
  });

  it("is described from the kind's doc comment", () => {
    expect(schema.description).toBe(descriptions.get(kind.kind));
    expect(String(schema.description).length).toBeGreaterThan(60);
  });

  it("is structural: every node has a type and no construct the API server refuses", () => {
    for (const [path, node] of nodes) {
      if (path === ".metadata") continue;
      expect(node.type, `type of ${path}`).toBeDefined();
      for (const key of FORBIDDEN_KEYS) expect(node[key], `${key} at ${path}`).toBeUndefined();
      if (node.additionalProperties !== undefined)
        expect(node.properties, `properties and additionalProperties at ${path}`).toBeUndefined();
      if (typeof node.exclusiveMinimum !== "undefined") expect(typeof node.exclusiveMinimum).toBe("boolean");
      if (typeof node.pattern === "string")
        expect(node.pattern, `RE2 has no look-around: ${path}`).not.toMatch(/\(\?[=!<]/);
    }
  });

  it("describes every spec and status field", () => {
    const undocumented = nodes
      .filter(([path]) => /^\.(spec|status)\./.test(path) && !path.endsWith("[]") && !path.endsWith("{}"))
      .filter(([, node]) => !node.description)
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it("lists list-map keys as required fields of the items", () => {
    for (const [path, node] of nodes) {
      if (node["x-kubernetes-list-type"] !== "map") continue;
      const required = ((node.items as OpenApiSchema).required ?? []) as string[];
      for (const key of node["x-kubernetes-list-map-keys"] as string[]) expect(required, path).toContain(key);
    }
  });

  it("has printer columns whose paths exist in the schema", () => {
    const paths = new Set(nodes.map(([p]) => p));
    for (const column of kind.printerColumns) {
      if (column.jsonPath.startsWith(".metadata")) continue;
      const fieldPath = column.jsonPath
        .replace(/\[\?\(@\.type=="\w+"\)\]/, "[]")
        .replace(/\.metrics\.\w+$/, ".metrics{}");
      expect(paths, column.name).toContain(fieldPath);
    }
    expect(kind.printerColumns.map((c) => c.name)).toEqual(
      expect.arrayContaining(["Phase", "Progress", "Ready", "Age"]),
    );
  });

  it("has defaults the API server accepts as they are (the defaulted spec validates)", () => {
    const minimal: Record<string, Record<string, unknown>> = {
      Reproduction: {},
      RoiDetectorTraining: { checkpoint: "a.pth" },
      ClassificationDataset: { detector: { name: "d" } },
      ClassifierFold: { dataset: { name: "d" }, fold: 0 },
      EngineBuild: { folds: [0, 1, 2, 3].map((k) => ({ name: `f${k}` })) },
      Submission: { detector: { name: "d" }, engine: { name: "e" } },
    };
    const specSchema = (schema.properties as Record<string, OpenApiSchema>).spec as OpenApiSchema;
    const defaulted = applyDefaults(specSchema, minimal[kind.kind]);
    // The API server's defaults and zod's defaults give the same object.
    expect(defaulted).toEqual(JSON.parse(JSON.stringify(kind.spec.parse(minimal[kind.kind]))));
  });
});
