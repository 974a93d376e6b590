import { ALL_KINDS, API_GROUP, API_GROUP_VERSION, API_VERSION } from "../api/index.ts";
import type { ResourceType } from "../kube/client.ts";

/** REST coordinates of each mammoflow kind, from the API definitions. */
export const KIND_TYPES: ReadonlyMap<string, ResourceType> = new Map(
  ALL_KINDS.map((k) => [k.kind, { group: API_GROUP, version: API_VERSION, plural: k.plural, namespaced: true }]),
);

export const JOB_TYPE: ResourceType = { group: "batch", version: "v1", plural: "jobs", namespaced: true };
export const POD_TYPE: ResourceType = { group: "", version: "v1", plural: "pods", namespaced: true };
export const NODE_TYPE: ResourceType = { group: "", version: "v1", plural: "nodes", namespaced: false };
export const CONFIGMAP_TYPE: ResourceType = { group: "", version: "v1", plural: "configmaps", namespaced: true };

export function kindType(kind: string): ResourceType {
  const type = KIND_TYPES.get(kind);
  if (!type) throw new Error(`unknown kind ${kind}`);
  return type;
}

export { API_GROUP_VERSION };
