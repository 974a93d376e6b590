import { sha256Hex } from "../../jobs/contract/canonical-json.ts";
import { recheckRequest } from "../api/annotations.ts";
import type { Condition, StageStatus } from "../api/status.ts";
import type { KubeObject } from "../kube/client.ts";
import { stageDir } from "../pipeline/layout.ts";
import type { Dependency, DependencyView } from "../pipeline/stage-plan.ts";
import type { Caches } from "./caches.ts";

interface StatusView {
  phase?: string;
  observedRecheck?: string;
  conditions?: Condition[];
  stages?: StageStatus[];
}

export const isReady = (object: KubeObject | undefined) =>
  ((object?.status as StatusView | undefined)?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/**
 * The digests a dependant's requests name for a dependency's stages: the stage's request digest,
 * folded with the digest of the outputs its last run made where the status records one, so that
 * outputs made again differently (a recheck that found a fixed file) are a new request for every
 * reader, rechecked or not. An adopted digest was computed after the fact: had it counted, the
 * dependants' own digests (adopted earlier, without it) would change the moment it was recorded,
 * and everything downstream would run again; a status without outputDigest (older stage images)
 * names the request digest alone, as before.
 */
export function dependencyStageDigests(stages: readonly StageStatus[]): Record<string, string> {
  return Object.fromEntries(
    stages.flatMap((s) => {
      if (!s.requestDigest || s.requestDigestAdopted) return [];
      return [[s.name, s.outputDigest ? sha256Hex(`${s.requestDigest}\n${s.outputDigest}`) : s.requestDigest]];
    }),
  );
}

/** What the caches say about each dependency of a resource in `namespace`. */
export function viewDependencies(caches: Caches, namespace: string, dependencies: Dependency[]): DependencyView[] {
  return dependencies.map((d) => {
    const object = caches.kind(d.kind).get(namespace, d.name);
    const status = object?.status as StatusView | undefined;
    const stageDirs = Object.fromEntries(
      (status?.stages ?? []).map((s) => [s.name, stageDir(namespace, d.kind, d.name, s.name)]),
    );
    const stageDigests = dependencyStageDigests(status?.stages ?? []);
    const recheck = recheckRequest(object?.metadata.annotations);
    return {
      ...d,
      ...(object ? { phase: status?.phase ?? "Pending" } : {}),
      ready: isReady(object),
      stageDirs,
      stageDigests,
      ...(recheck !== undefined && recheck !== status?.observedRecheck ? { recheckPending: true } : {}),
    };
  });
}
