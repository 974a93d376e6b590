import { KIND_LABEL, RESOURCE_LABEL } from "../executors/kubernetes/names.ts";
import type { KubeObject } from "../kube/client.ts";
import { objectKey } from "../kube/informer.ts";
import { dependantKinds } from "../pipeline/registry.ts";
import { REPRODUCTION_LABEL } from "../pipeline/reproduction.ts";
import type { Caches } from "./caches.ts";
import { readKindSpec } from "./spec-reading.ts";

export type Enqueue = (kind: string, key: string) => void;

/** Each resource filed under the resources it depends on ("namespace/Kind/name"). */
const BY_DEPENDENCY = "dependency";

/**
 * The dependencies a resource's spec names, read once when the informer stores it (not for
 * every change of every resource of the namespace). A spec the schema refuses waits for
 * nothing: it is InvalidSpec until edited.
 */
function dependencyKeys(kind: string) {
  return (object: KubeObject): string[] => {
    const reading = readKindSpec(kind, object.spec ?? {});
    if (!reading.ok) return [];
    const namespace = object.metadata.namespace ?? "";
    return reading.spec.dependencies.map((d) => `${namespace}/${d.kind}/${d.name}`);
  };
}

/**
 * Which reconciles a change triggers: the object's own; its dependants' (a Ready detector
 * unblocks its datasets and submissions); its reproduction's; for Jobs and pods, the resource
 * whose stage they run.
 */
export function wireWatches(caches: Caches, enqueue: Enqueue): void {
  for (const [kind, informer] of caches.kinds) {
    if ([...caches.kinds.keys()].some((k) => dependantKinds(k).includes(kind))) {
      informer.addIndex(BY_DEPENDENCY, dependencyKeys(kind));
    }
  }
  for (const [kind, informer] of caches.kinds) {
    informer.onChange((object) => {
      enqueue(kind, objectKey(object));
      const namespace = object.metadata.namespace ?? "";
      const reproduction = object.metadata.labels?.[REPRODUCTION_LABEL];
      if (reproduction && kind !== "Reproduction") enqueue("Reproduction", `${namespace}/${reproduction}`);
      for (const dependantKind of dependantKinds(kind)) {
        for (const dependant of caches
          .kind(dependantKind)
          .byIndex(BY_DEPENDENCY, `${namespace}/${kind}/${object.metadata.name}`)) {
          enqueue(dependantKind, objectKey(dependant));
        }
      }
    });
  }
  const toOwner = (object: KubeObject) => {
    const kind = object.metadata.labels?.[KIND_LABEL];
    const name = object.metadata.labels?.[RESOURCE_LABEL];
    if (kind && name) enqueue(kind, `${object.metadata.namespace ?? ""}/${name}`);
  };
  caches.jobs.onChange(toOwner);
  caches.pods.onChange(toOwner);
}
