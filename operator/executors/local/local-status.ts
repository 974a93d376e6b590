import path from "node:path";
import { writeFileAtomic } from "../../../jobs/contract/files.ts";
import { resourceDir } from "../../pipeline/layout.ts";
import type { ChildView } from "../../pipeline/reproduction.ts";
import { decideStatus, type ResourceStatus } from "../../pipeline/status.ts";
import { LOCAL_NAMESPACE, type LocalStep } from "./local-plan.ts";
import type { Hold } from "./suspension.ts";

/** A resource's status in the storage, beside its stage folders: `runs/local/<kind>/<name>/status.json`. */
export const STATUS_FILE = "status.json";

export function statusFile(storageRoot: string, kind: string, name: string): string {
  return path.join(storageRoot, resourceDir(LOCAL_NAMESPACE, kind, name), STATUS_FILE);
}

export async function writeStatus(storageRoot: string, kind: string, name: string, status: ResourceStatus) {
  await writeFileAtomic(statusFile(storageRoot, kind, name), `${JSON.stringify(status, null, 2)}\n`);
}

/** A step's resource as `Kind/name`, the key of its status. */
export const keyOf = (step: LocalStep) => `${step.resource.kind}/${step.resource.name}`;

/**
 * A Reproduction's status as its controller decides it (pipeline/status.ts decideStatus), from
 * what this run knows of its children (`origin` is the Reproduction's `Kind/name`): the status
 * each got through the loop; one that spec.suspend holds is Suspended, one that waits for a held
 * resource Blocked, one not reached yet has no phase (Pending).
 */
export function reproductionStatusOf(
  children: readonly LocalStep[],
  known: { statuses: ReadonlyMap<string, ResourceStatus>; holds: ReadonlyMap<string, Hold> },
  at: { now: string; previous: ResourceStatus | undefined },
): ResourceStatus {
  const views: ChildView[] = children.map((step) => {
    const hold = known.holds.get(keyOf(step));
    const phase = known.statuses.get(keyOf(step))?.phase ?? (hold && ("suspended" in hold ? "Suspended" : "Blocked"));
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
            status: known.statuses.get(keyOf(submission)),
          },
        }
      : {}),
  }).status;
}
