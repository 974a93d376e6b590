import type { Condition, StageStatus } from "../api/status.ts";
import type { KubeObject } from "../kube/client.ts";
import { stageDir } from "../pipeline/layout.ts";
import type { Dependency, DependencyView } from "../pipeline/stage-plan.ts";
import type { Caches } from "./caches.ts";

interface StatusView {
  phase?: string;
  conditions?: Condition[];
  stages?: StageStatus[];
}

export const isReady = (object: KubeObject | undefined) =>
  ((object?.status as StatusView | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** What the caches say about each dependency of a resource in `namespace`. */
export function viewDependencies(caches: Caches, namespace: string, dependencies: Dependency[]): DependencyView[] {
  return dependencies.map((d) => {
    const object = caches.kind(d.kind).get(namespace, d.name);
    const status = object?.status as StatusView | undefined;
    const stageDirs = Object.fromEntries(
      (status?.stages ?? []).map((s) => [s.name, stageDir(namespace, d.kind, d.name, s.name)]),
    );
    const stageDigests = Object.fromEntries(
      (status?.stages ?? []).flatMap((s) => (s.requestDigest ? [[s.name, s.requestDigest]] : [])),
    );
    return {
      ...d,
      ...(object ? { phase: status?.phase ?? "Pending" } : {}),
      ready: isReady(object),
      stageDirs,
      stageDigests,
    };
  });
}
