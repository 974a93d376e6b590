import type { KindDefinition } from "../api/index.ts";
import { API_CATEGORY, API_GROUP, API_VERSION } from "../api/index.ts";
import { type OpenApiSchema, structuralSchemaOf } from "./structural-schema.ts";

/** The CustomResourceDefinition of one kind, built from its zod schemas. */
export function buildCrd(kind: KindDefinition, description?: string): Record<string, unknown> {
  const openAPIV3Schema: OpenApiSchema = {
    type: "object",
    description,
    properties: {
      apiVersion: { type: "string", description: "APIVersion of the object: mammoflow.io/v1alpha1." },
      kind: { type: "string", description: `Kind of the object: ${kind.kind}.` },
      // Declared so that the root rule on the name can report it as the field (fieldPath).
      metadata: { type: "object", properties: { name: { type: "string" } } },
      spec: structuralSchemaOf(kind.spec),
      status: structuralSchemaOf(kind.status),
    },
    required: ["spec"],
    "x-kubernetes-validations": kind.rootRules,
  };
  if (openAPIV3Schema.description === undefined) delete openAPIV3Schema.description;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${kind.plural}.${API_GROUP}`,
      labels: { "app.kubernetes.io/part-of": "mammoflow" },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: kind.kind,
        listKind: kind.listKind,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: kind.shortNames,
        categories: [API_CATEGORY],
      },
      scope: "Namespaced",
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: kind.printerColumns,
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

export function crdFileName(kind: KindDefinition): string {
  return `${API_GROUP}_${kind.plural}.yaml`;
}
