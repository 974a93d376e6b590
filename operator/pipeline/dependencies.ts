import { registeredKind } from "./registry.ts";
import type { Dependency, DependencyView } from "./stage-plan.ts";

/**
 * The resources a resource of `kind` waits for (DESIGN.md §3, "waits for"), as its kind declares
 * them in the registry; none when the schema refuses the spec (such a resource waits for an edit).
 */
export function dependenciesOf(kind: string, spec: unknown): Dependency[] {
  const reading = registeredKind(kind).read(spec);
  return reading.ok ? reading.spec.dependencies : [];
}

/** Why a resource cannot start: the first dependency that is not Ready, as a condition. */
export interface Blocker {
  reason: string;
  message: string;
  /** The input preflight's missing paths (input-preflight.ts), which the status lists. */
  missingInputs?: string[];
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The first unready dependency, or undefined when every input is Ready. */
export function firstBlocker(dependencies: readonly DependencyView[]): Blocker | undefined {
  const waiting = dependencies.find((d) => !d.ready);
  if (!waiting) return undefined;
  const role = capitalized(waiting.role.replace(/\d+$/, ""));
  const what = `${waiting.kind}/${waiting.name}`;
  if (waiting.phase === undefined) {
    return { reason: `WaitingFor${role}`, message: `waiting for ${what}, which does not exist yet` };
  }
  if (waiting.phase === "Failed") {
    return { reason: `${role}Failed`, message: `${what} failed; this resource cannot start until it is fixed` };
  }
  return { reason: `WaitingFor${role}`, message: `waiting for ${what} to be Ready (it is ${waiting.phase})` };
}
