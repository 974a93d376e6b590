import path from "node:path";
import { writeFileAtomic } from "../../../jobs/contract/files.ts";
import { firstBlocker } from "../../pipeline/dependencies.ts";
import { resourceDir } from "../../pipeline/layout.ts";
import type { ChildView } from "../../pipeline/reproduction.ts";
import { decideStatus, type ResourceStatus } from "../../pipeline/status.ts";
import { LOCAL_NAMESPACE, type LocalStep, resourceKey } from "./local-plan.ts";

/** A resource's status in the storage, beside its stage folders: `runs/local/<kind>/<name>/status.json`. */
export const STATUS_FILE = "status.json";

export function statusFile(storageRoot: string, kind: string, name: string): string {
  return path.join(storageRoot, resourceDir(LOCAL_NAMESPACE, kind, name), STATUS_FILE);
}

export async function writeStatus(storageRoot: string, kind: string, name: string, status: ResourceStatus) {
  await writeFileAtomic(statusFile(storageRoot, kind, name), `${JSON.stringify(status, null, 2)}\n`);
}

/** A step's resource as `Kind/name`, the key of its status. */
export const keyOf = (step: LocalStep) => resourceKey(step.resource.kind, step.resource.name);

/** Ready as the controller reads it of a dependency (controllers/dependency-views.ts isReady). */
const isReady = (status: ResourceStatus | undefined) =>
  (status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/**
 * The status of a resource the run holds (suspension.ts), as the operator decides it for one that
 * starts nothing: spec.suspend as its spec says, and the first input it reads that is not Ready
 * (held itself, so Suspended or Blocked in `statuses`) as the blocker the controller would find.
 * So a suspended resource is Suspended and one that only waits behind it Blocked. Like every
 * resource of a local run it is decided afresh, and a held one is not observed: its stages are
 * Pending, as a cluster's are for a resource created suspended.
 */
export function heldStatusOf(
  step: LocalStep,
  statuses: ReadonlyMap<string, ResourceStatus>,
  now: string,
): ResourceStatus {
  const blocker = firstBlocker(
    (step.needs ?? []).map((need) => {
      const status = statuses.get(resourceKey(need.kind, need.name));
      return { ...need, phase: status?.phase ?? "Pending", ready: isReady(status), stageDirs: {} };
    }),
  );
  return decideStatus({
    now,
    previous: undefined,
    // As on a cluster, a blocked resource is not planned (operator/loop/reconcile-stages.ts).
    plans: blocker ? [] : step.stages,
    observations: {},
    suspend: step.suspend === true,
    ...(blocker ? { blocker } : {}),
  }).status;
}

/**
 * A Reproduction's status as its controller decides it (pipeline/status.ts decideStatus), from
 * what this run knows of its children (`origin` is the Reproduction's `Kind/name`): the status
 * each got, through the loop or held (heldStatusOf); one not reached yet has no phase (Pending).
 */
export function reproductionStatusOf(
  children: readonly LocalStep[],
  statuses: ReadonlyMap<string, ResourceStatus>,
  at: { now: string; previous: ResourceStatus | undefined },
): ResourceStatus {
  const views: ChildView[] = children.map((step) => {
    const phase = statuses.get(keyOf(step))?.phase;
    return { kind: step.resource.kind, name: step.resource.name, ...(phase ? { phase } : {}) };
  });
  const submission = children.find((step) => step.resource.kind === "Submission");
  return decideStatus({
    now: at.now,
    previous: at.previous,
    children: views,
    // The Reproduction's spec.suspend is every child's.
    suspend: children.length > 0 && children.every((step) => step.suspend === true),
    ...(submission
      ? {
          submission: {
            namespace: LOCAL_NAMESPACE,
            name: submission.resource.name,
            status: statuses.get(keyOf(submission)),
          },
        }
      : {}),
  }).status;
}
