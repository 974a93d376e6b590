import { KIND_LABEL, RESOURCE_LABEL } from "../executors/kubernetes/names.ts";
import type { KubeObject } from "../kube/client.ts";
import { objectKey } from "../kube/informer.ts";
import { dependantKinds, registeredKind } from "../pipeline/registry.ts";
import { REPRODUCTION_LABEL } from "../pipeline/reproduction.ts";
import type { Caches } from "./caches.ts";

export type Enqueue = (kind: string, key: string) => void;

/**
 * Which reconciles a change triggers: the object's own; its dependants' (a Ready detector
 * unblocks its datasets and submissions); its reproduction's; for Jobs and pods, the resource
 * whose stage they run.
 */
export function wireWatches(caches: Caches, enqueue: Enqueue): void {
  for (const [kind, informer] of caches.kinds) {
    informer.onChange((object) => {
      enqueue(kind, objectKey(object));
      const namespace = object.metadata.namespace ?? "";
      const reproduction = object.metadata.labels?.[REPRODUCTION_LABEL];
      if (reproduction && kind !== "Reproduction") enqueue("Reproduction", `${namespace}/${reproduction}`);
      // A dependant whose spec the schema refuses waits for nothing: it is InvalidSpec until edited.
      for (const dependantKind of dependantKinds(kind)) {
        const registered = registeredKind(dependantKind);
        for (const dependant of caches.kind(dependantKind).list(namespace)) {
          const reading = registered.read(dependant.spec ?? {});
          const deps = reading.ok ? reading.spec.dependencies : [];
          if (deps.some((d) => d.kind === kind && d.name === object.metadata.name)) {
            enqueue(dependantKind, objectKey(dependant));
          }
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
