import { z } from "zod";
import { API_GROUP_VERSION } from "./group.ts";
import type { KindDefinition } from "./kinds/define.ts";
import { describeUnknownFields, unknownFields } from "./unknown-fields.ts";

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
  const problems = [
    ...(result.success ? [] : [z.prettifyError(result.error)]),
    ...(typeof name === "string" && !RESOURCE_NAME.test(name) ? [badNameMessage(name)] : []),
  ];
  const unknown = unknownFields(definition.resource, document);
  if (unknown.length > 0) problems.push(describeUnknownFields(unknown));
  if (!result.success || problems.length > 0) throw new ResourceValidationError(label, problems.join("\n"));
  return { kind: definition, resource: result.data as ParsedResource["resource"] };
}

/**
 * A resource's name becomes a label value (mammoflow.io/resource) on its Jobs and pods and the
 * start of their names, so it must be an RFC 1123 label, as the API server checks a label value.
 */
const RESOURCE_NAME = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function badNameMessage(name: string): string {
  return `metadata.name ${JSON.stringify(name)}: must be 1 to 63 lowercase letters, digits or '-', starting and ending with a letter or digit (it becomes a label value and part of Job names)`;
}
