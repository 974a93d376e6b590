import { API_GROUP_VERSION } from "../../operator/api/index.ts";

/** A resource of `kind` with the given spec; builders keep tests to the fields that matter. */
export function makeResource(kind: string, name: string, spec: Record<string, unknown>) {
  return { apiVersion: API_GROUP_VERSION, kind, metadata: { name, namespace: "default" }, spec };
}

export const makeFold = (fold: number, extra: Record<string, unknown> = {}) =>
  makeResource("ClassifierFold", `fold-${fold}`, { dataset: { name: "data" }, fold, ...extra });
