// The recheck annotation (api/annotations.ts) as decisions: when a resource acts on it, and the
// order in which resources that read each other's outputs re-check.
import type { Phase } from "../api/status.ts";
import { type Blocker, dependenciesOf } from "./dependencies.ts";
import type { DependencyView } from "./stage-plan.ts";

/**
 * Whether a recheck is to be acted on: a value the status has not acted on, on a resource none of
 * whose stages runs. The stage that runs read its inputs when it started and the ones after it
 * read theirs when they start: the recheck waits until it is done, so no stage starts again under
 * one that still runs (decideStages also looks at the Jobs themselves).
 */
export function recheckDue(
  recheck: string | undefined,
  previous: { phase?: Phase; observedRecheck?: string } | undefined,
): boolean {
  if (recheck === undefined || recheck === previous?.observedRecheck) return false;
  return previous?.phase !== "Running" && previous?.phase !== "Queued";
}

/**
 * An input resource that has a recheck of its own still to act on: a resource re-checks after it,
 * or its pods would find the input's old result (a stage folder is fingerprinted by the result
 * it holds) and stand their own, and the input's re-run would come too late for them.
 */
export function recheckBlocker(dependencies: readonly DependencyView[]): Blocker | undefined {
  const first = dependencies.find((d) => d.recheckPending);
  if (!first) return undefined;
  return {
    reason: "WaitingForInputRecheck",
    message: `waiting for ${first.kind}/${first.name} to re-check its inputs first (its mammoflow.io/recheck is newer than its status)`,
  };
}

/** A child of a Reproduction as a recheck sees it: its kind, name and the recheck it acted on. */
export interface RecheckedChild {
  kind: string;
  name: string;
  observedRecheck?: string;
}

/**
 * The recheck value a Reproduction gives one of its children: the Reproduction's once every child
 * this one reads from has acted on it, else the value the child holds now. Given to all at once,
 * a child could act before the children it reads from had theirs, and stand results on inputs
 * that are about to change.
 */
export function childRecheck(
  recheck: string | undefined,
  child: { kind: string; spec: unknown },
  children: readonly RecheckedChild[],
  current: string | undefined,
): string | undefined {
  if (recheck === undefined) return undefined;
  const inputs = dependenciesOf(child.kind, child.spec).flatMap((d) =>
    children.filter((c) => c.kind === d.kind && c.name === d.name),
  );
  return inputs.every((input) => input.observedRecheck === recheck) ? recheck : current;
}
