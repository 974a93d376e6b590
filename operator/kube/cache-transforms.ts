// What the informers keep of each object. Everything cached is held for the life of the process,
// and most of an object's bytes are fields the operator never reads: managedFields (server-side
// apply's bookkeeping, often larger than the object), a Job's pod template (the whole stage pod
// spec: env, volumes, probes) and a pod's spec. Keeping only what the controllers read is what
// lets 10,000 resources with their Jobs and pods fit in the chart's memory limit.
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import type { KubeObject } from "./client.ts";

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** metadata without managedFields and kubectl's copy of the last applied manifest. */
function leanMetadata<T extends KubeObject>(metadata: T["metadata"]): T["metadata"] {
  const { managedFields: _managed, ...rest } = metadata as T["metadata"] & { managedFields?: unknown };
  if (!rest.annotations?.[LAST_APPLIED]) return rest;
  const { [LAST_APPLIED]: _applied, ...annotations } = rest.annotations;
  return { ...rest, annotations };
}

/** Any object: the whole object but its server-side bookkeeping. */
export function withoutBookkeeping<T extends KubeObject>(object: T): T {
  return { ...object, metadata: leanMetadata(object.metadata) };
}

/** A stage Job as observe.ts and job-events.ts read it: no pod template. */
export function jobAsObserved<T extends V1Job & KubeObject>(job: T): T {
  const { template: _template, ...spec } = job.spec ?? ({} as NonNullable<V1Job["spec"]>);
  return { ...job, metadata: leanMetadata(job.metadata), spec: spec as NonNullable<V1Job["spec"]> };
}

/** A stage pod as observe.ts and pod-waits.ts read it: its node, phase, conditions and containers' states. */
export function podAsObserved<T extends V1Pod & KubeObject>(pod: T): T {
  const status = pod.status;
  return {
    ...pod,
    metadata: leanMetadata(pod.metadata),
    spec: { containers: [], ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}) },
    ...(status
      ? {
          status: {
            ...(status.phase ? { phase: status.phase } : {}),
            ...(status.conditions ? { conditions: status.conditions } : {}),
            ...(status.containerStatuses ? { containerStatuses: status.containerStatuses } : {}),
            ...(status.startTime ? { startTime: status.startTime } : {}),
          },
        }
      : {}),
  };
}
