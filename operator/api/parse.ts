import { z } from "zod";
import { API_GROUP_VERSION } from "./group.ts";
import type { KindDefinition } from "./kinds/define.ts";

export type ParsedResource = {
  kind: KindDefinition;
  resource: { metadata: { name: string; namespace?: string } } & Record<string, unknown>;
};

export class ResourceValidationError extends Error {
  constructor(
    readonly where: string,
    readonly details: string,
  ) {
    super(`${where}: ${details}`);
    this.name = "ResourceValidationError";
  }
}

/**
 * Validates one decoded manifest document against the API schemas and returns it with its
 * defaults applied. `where` names the document in errors (e.g. `demo.yaml#2`).
 */
export function parseResource(kinds: readonly KindDefinition[], document: unknown, where: string): ParsedResource {
  if (!document || typeof document !== "object" || Array.isArray(document)) {
    throw new ResourceValidationError(where, "not a Kubernetes object");
  }
  const { apiVersion, kind } = document as { apiVersion?: unknown; kind?: unknown };
  if (apiVersion !== API_GROUP_VERSION) {
    throw new ResourceValidationError(
      where,
      `apiVersion must be ${API_GROUP_VERSION}, got ${JSON.stringify(apiVersion)}`,
    );
  }
  const definition = kinds.find((k) => k.kind === kind);
  if (!definition) {
    throw new ResourceValidationError(
      where,
      `unknown kind ${JSON.stringify(kind)}; expected one of ${kinds.map((k) => k.kind).join(", ")}`,
    );
  }
  const name = (document as { metadata?: { name?: unknown } }).metadata?.name;
  const label = typeof name === "string" ? `${where} (${definition.kind}/${name})` : where;
  const result = definition.resource.safeParse(document);
  if (!result.success) throw new ResourceValidationError(label, z.prettifyError(result.error));
  return { kind: definition, resource: result.data as ParsedResource["resource"] };
}
