/**
 * spec.suspend in the local runner, as the operator reads it: a suspended resource starts no
 * stage (a finished one stays finished, so what needs it may go on), and a resource that needs a
 * held one waits. Nothing here fails: the run ends "not finished", and says which manifest holds it.
 */

/** A resource the run did not start, and why. */
export type Hold =
  /** spec.suspend is true on it, or on the Reproduction (`origin`) that made it. */
  | { resource: string; origin: string; suspended: true }
  /** It needs (directly or not) `waitsFor`, a suspended resource that did not finish. */
  | { resource: string; origin: string; waitsFor: string };

/** Exit status of a run that stopped at spec.suspend, with no stage failed: not 0, not a failure (1) nor a usage error (2). */
export const HELD_EXIT = 3;

/**
 * Why a step may not start: the suspended resource a dependency waits for (the first held
 * dependency's own cause), else its own suspension unless every stage of it already stands.
 */
export function holdOf(
  step: { resource: string; origin: string; suspend: boolean; needs: readonly string[] },
  held: ReadonlyMap<string, Hold>,
  finished: boolean,
): Hold | undefined {
  for (const need of step.needs) {
    const hold = held.get(need);
    if (hold) {
      const waitsFor = "waitsFor" in hold ? hold.waitsFor : hold.resource;
      return { resource: step.resource, origin: step.origin, waitsFor };
    }
  }
  if (step.suspend && !finished) return { resource: step.resource, origin: step.origin, suspended: true };
  return undefined;
}

/** The line logged when a resource is passed over. */
export function holdLine(hold: Hold): string {
  if ("waitsFor" in hold) return `${hold.resource}: waits for ${hold.waitsFor}, which is suspended; not started`;
  const where = hold.origin === hold.resource ? "" : ` (set on ${hold.origin})`;
  return `${hold.resource}: suspended, spec.suspend is true${where}; not started`;
}

/**
 * What the run ends with when something was held: which manifests' spec.suspend held it, every
 * resource that did not start, and what to do.
 */
export function heldSummary(holds: readonly Hold[]): string[] {
  if (holds.length === 0) return [];
  const origins = [...new Set(holds.filter((h) => "suspended" in h).map((h) => h.origin))];
  const resources = holds.map((h) => h.resource);
  return [
    `mammoflow run: not finished: spec.suspend is true on ${origins.join(", ")}; ${resources.length} resource(s) did not start: ${resources.join(", ")}`,
    `  to run them, set spec.suspend to false (or remove it) in ${origins.length === 1 ? "that manifest" : "those manifests"} and run again`,
  ];
}
