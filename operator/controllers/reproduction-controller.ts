import { RECHECK_ANNOTATION, RETRY_ANNOTATION, recheckRequest, retryRequest } from "../api/annotations.ts";
import { FIELD_MANAGER } from "../executors/kubernetes/names.ts";
import { type KubeApiError, type KubeObject, resourcePath } from "../kube/client.ts";
import type { ReconcileResult } from "../kube/controller.ts";
import { writeStatusIfChanged } from "../kube/status-writer.ts";
import { childRecheck, type RecheckedChild } from "../pipeline/recheck.ts";
import { STAGE_KINDS } from "../pipeline/registry.ts";
import type { ChildManifest } from "../pipeline/reproduction.ts";
import { unwantedChildren } from "../pipeline/reproduction-pruning.ts";
import { decideStatus, type ResourceStatus } from "../pipeline/status.ts";
import { isTerminalApiError } from "./api-errors.ts";
import { contains } from "./child-drift.ts";
import { type ControllerContext, splitKey } from "./context.ts";
import { blockedOnGpuNodes, childrenPlanOnce, reproductionGpuBlocker } from "./gpu-nodes.ts";
import { reproductionPreflightBlocker } from "./input-preflight.ts";
import { recordPhaseChange } from "./phase-events.ts";
import { kindType } from "./resource-types.ts";
import { readSpec } from "./spec-reading.ts";
import { StartExpectations } from "./start-expectations.ts";
import { WrittenStatus } from "./written-status.ts";

function ownedBy(child: ChildManifest, owner: KubeObject) {
  return {
    ...child,
    metadata: {
      ...child.metadata,
      ownerReferences: [
        {
          apiVersion: owner.apiVersion,
          kind: "Reproduction",
          name: owner.metadata.name,
          uid: owner.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
  };
}

/** Deletes a child the spec no longer wants; its stage Jobs go with it (owner references). */
async function pruneChild(context: ControllerContext, reproduction: KubeObject, child: KubeObject, kind: string) {
  const { namespace = "", name, uid } = child.metadata;
  try {
    await context.client.request("DELETE", resourcePath(kindType(kind), namespace, name), {
      body: { propagationPolicy: "Background", preconditions: { uid } },
      verb: "delete",
    });
  } catch (error) {
    if ((error as KubeApiError).statusCode !== 404) throw error;
    return;
  }
  context.events.record(
    reproduction,
    "Normal",
    "ChildPruned",
    `${kind}/${name} is no longer part of this reproduction`,
  );
}

/**
 * Reconciles a Reproduction: the mode's children → before the first, check GPU nodes and the
 * files they read (input-preflight.ts) → apply those missing or drifted (owned, so
 * deleting the reproduction deletes them) → delete those it made that the spec no longer wants
 * → summarize their phases → write the status.
 */
export function reproductionReconciler(context: ControllerContext) {
  const written = new WrittenStatus<ResourceStatus>();
  // Its preflight Jobs started and not yet in the cache (input-preflight.ts).
  const expectations = new StartExpectations();
  return async (key: string): Promise<ReconcileResult | undefined> => {
    const { namespace, name } = splitKey(key);
    const resource = context.caches.kind("Reproduction").get(namespace, name);
    if (!resource || resource.metadata.deletionTimestamp) return undefined;
    const readFrom = resource.metadata.resourceVersion;
    const previous = written.current(key, readFrom, resource.status as ResourceStatus | undefined);
    const now = context.now().toISOString();
    const generation = resource.metadata.generation ?? 0;
    const path = resourcePath(kindType("Reproduction"), namespace, name);
    const write = async (status: ResourceStatus) => {
      if (await writeStatusIfChanged(context.client, path, previous, status)) {
        written.remember(key, readFrom, status);
        recordPhaseChange(context, resource, previous, status);
      }
    };
    const reading = readSpec(context, "Reproduction", resource.spec);
    // Its children stay as they are: they are the last spec's, and each reports its own state.
    if (!reading.ok) {
      await write(decideStatus({ generation, now, previous, invalidSpec: reading.problem }).status);
      return undefined;
    }
    if (!reading.spec.children) throw new Error("the registry declares no children for Reproduction");
    const children = reading.spec.children(namespace, name);
    // Before its first child starts: a reproduction whose GPU stages no node can take is Blocked
    // now, not after hours of its children's CPU stages; a Node of the pool appearing reconciles it.
    // Then a pod on the volume must find every file its children's stages read (input-preflight.ts);
    // its children do not look themselves. A suspended one is the user's hold: its children are made
    // suspended (a held child has no startedAt), and the checks come when it is resumed, before the
    // apply below takes their suspend off.
    const childStarted = children.some((c) =>
      hasStarted(context.caches.kind(c.kind).get(namespace, c.metadata.name)?.status as ResourceStatus | undefined),
    );
    const recheck = recheckRequest(resource.metadata.annotations);
    if (!childStarted && !reading.spec.suspend) {
      const planned = childrenPlanOnce(resource, context.config.gpuPools);
      const blocker =
        reproductionGpuBlocker(context, resource, planned) ??
        (await reproductionPreflightBlocker(context, resource, planned, recheck, expectations));
      if (blocker) {
        await write(decideStatus({ generation, now, previous, blocker, plans: [], observations: {} }).status);
        return undefined;
      }
    }
    // Retrying a reproduction retries its children: each re-runs its own failed stages. A recheck
    // goes down the same way, to each child once the children it reads from acted on it.
    const retry = retryRequest(resource.metadata.annotations);
    const rechecked: RecheckedChild[] = children.map((c) => {
      const status = context.caches.kind(c.kind).get(namespace, c.metadata.name)?.status as ResourceStatus | undefined;
      return {
        kind: c.kind,
        name: c.metadata.name,
        ...(status?.observedRecheck ? { observedRecheck: status.observedRecheck } : {}),
      };
    });
    const rejected = new Map<string, string>();
    for (const child of children) {
      const existing = context.caches.kind(child.kind).get(namespace, child.metadata.name);
      const childValue = childRecheck(recheck, child, rechecked, recheckRequest(existing?.metadata.annotations));
      const passed = {
        ...(retry !== undefined ? { [RETRY_ANNOTATION]: retry } : {}),
        ...(childValue !== undefined ? { [RECHECK_ANNOTATION]: childValue } : {}),
      };
      const annotations = Object.keys(passed).length > 0 ? passed : undefined;
      const desired = ownedBy(
        { ...child, metadata: { ...child.metadata, ...(annotations ? { annotations } : {}) } },
        resource,
      );
      const wanted = { metadata: { labels: child.metadata.labels, annotations }, spec: child.spec };
      if (existing && contains(existing, wanted)) continue;
      try {
        await context.client.apply(
          resourcePath(kindType(child.kind), namespace, child.metadata.name),
          desired,
          FIELD_MANAGER,
        );
      } catch (error) {
        // Said in the status, not retried in a loop: the next change or resync tries again.
        if (!isTerminalApiError(error)) throw error;
        rejected.set(child.metadata.name, `${error.statusCode} ${error.reason}: ${error.message}`);
      }
    }
    // Children run stages: a kind that runs none (Reproduction) is never a child.
    const existing = STAGE_KINDS.flatMap((kind) =>
      context.caches
        .kind(kind)
        .list(namespace)
        .filter((o) => !o.metadata.deletionTimestamp)
        .map((object) => ({ kind, object })),
    );
    const unwanted = unwantedChildren(
      { name, uid: resource.metadata.uid ?? "" },
      existing.map(({ kind, object }) => {
        const controllerUid = object.metadata.ownerReferences?.find((o) => o.controller)?.uid;
        return {
          kind,
          name: object.metadata.name,
          ...(object.metadata.labels ? { labels: object.metadata.labels } : {}),
          ...(controllerUid ? { controllerUid } : {}),
        };
      }),
      children,
    );
    for (const child of unwanted) {
      const found = existing.find((e) => e.kind === child.kind && e.object.metadata.name === child.name);
      if (found) await pruneChild(context, resource, found.object, child.kind);
    }
    const views = children.map((c) => {
      const status = context.caches.kind(c.kind).get(namespace, c.metadata.name)?.status as ResourceStatus | undefined;
      const phase = status?.phase;
      const blockedOnNodes = blockedOnGpuNodes(status);
      return {
        kind: c.kind,
        name: c.metadata.name,
        ...(phase ? { phase } : {}),
        ...(blockedOnNodes ? { blockedOnNodes } : {}),
      };
    });
    const submission = children.find((c) => c.kind === "Submission");
    const decision = decideStatus({
      generation,
      now,
      previous,
      children: views.map((v) => (rejected.has(v.name) ? { ...v, rejected: rejected.get(v.name) } : v)),
      suspend: reading.spec.suspend,
      ...(submission
        ? {
            submission: {
              namespace,
              name: submission.metadata.name,
              status: context.caches.kind("Submission").get(namespace, submission.metadata.name)?.status as
                | ResourceStatus
                | undefined,
            },
          }
        : {}),
    });
    await write(decision.status);
    return undefined;
  };
}

/**
 * Whether a child has started: a stage of it ran (startedAt), or it is past waiting (a child whose
 * stages were all reused may finish without one).
 */
const hasStarted = (status: ResourceStatus | undefined): boolean =>
  status?.startedAt !== undefined || ["Running", "Queued", "Succeeded", "Failed"].includes(status?.phase ?? "");
