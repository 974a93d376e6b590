// What the informers keep of each object. Everything cached is held for the life of the process,
// and most of an object's bytes are fields the operator never reads: managedFields (server-side
// apply's bookkeeping, often larger than the object), a Job's pod template (the whole stage pod
// spec: env, volumes, probes) and a pod's spec. Keeping only what the controllers read is what
// lets 10,000 resources with their Jobs and pods fit in the chart's memory limit.
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { KubeObject } from "./client.ts";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * metadata without managedFields, kubectl's copy of the last applied manifest, and the annotations
 * `dropAnnotation` names (none unless given).
 */
function leanMetadata<T extends KubeObject>(
  metadata: T["metadata"],
  dropAnnotation?: (key: string) => boolean,
): T["metadata"] {
  const { managedFields: _managed, ...rest } = metadata as T["metadata"] & { managedFields?: unknown };
  const drop = (key: string) => key === LAST_APPLIED || dropAnnotation?.(key) === true;
  if (!rest.annotations || !Object.keys(rest.annotations).some(drop)) return rest;
  return { ...rest, annotations: Object.fromEntries(Object.entries(rest.annotations).filter(([key]) => !drop(key))) };
}

/** Any object: the whole object but its server-side bookkeeping. */
export function withoutBookkeeping<T extends KubeObject>(object: T): T {
  return { ...object, metadata: leanMetadata(object.metadata) };
}

/**
 * A stage Job as observe.ts, job-events.ts and job-suspension.ts read it: of its spec only the
 * completion mode and suspend (not the pod template, the failure policy, the selector), of its
 * status all but the pods not counted yet, its conditions without their probe times.
 */
export function jobAsObserved<T extends V1Job & KubeObject>(job: T): T {
  const spec = job.spec;
  const kept: T = {
    ...job,
    metadata: leanMetadata(job.metadata),
    spec: {
      ...(spec?.completionMode !== undefined ? { completionMode: spec.completionMode } : {}),
      ...(spec?.suspend !== undefined ? { suspend: spec.suspend } : {}),
    } as NonNullable<V1Job["spec"]>,
  };
  if (job.status) {
    const { uncountedTerminatedPods: _uncounted, conditions, ...status } = job.status;
    kept.status = {
      ...status,
      ...(conditions ? { conditions: conditions.map(({ lastProbeTime: _probed, ...c }) => c) } : {}),
    };
  }
  return kept;
}

/**
 * A stage pod as observe.ts, pod-waits.ts and pod-progress.ts read it (without the annotations
 * `dropAnnotation` names: the caller's, e.g. the request files every stage pod carries): its node, phase and start,
 * its PodScheduled condition (why it is not placed), and each container's name, image and state
 * (not its ids, restart count, readiness or last state).
 */
export function podAsObserved<T extends V1Pod & KubeObject>(pod: T, dropAnnotation?: (key: string) => boolean): T {
  const status = pod.status;
  const scheduled = status?.conditions?.filter((c) => c.type === "PodScheduled");
  return {
    ...pod,
    metadata: leanMetadata(pod.metadata, dropAnnotation),
    spec: { containers: [], ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}) },
    ...(status
      ? {
          status: {
            ...(status.phase ? { phase: status.phase } : {}),
            ...(scheduled?.length ? { conditions: scheduled } : {}),
            ...(status.containerStatuses
              ? {
                  containerStatuses: status.containerStatuses.map(({ name, image, state }) => ({
                    name,
                    image,
                    ...(state ? { state } : {}),
                  })) as NonNullable<V1Pod["status"]>["containerStatuses"],
                }
              : {}),
            ...(status.startTime ? { startTime: status.startTime } : {}),
          },
        }
      : {}),
  };
}
