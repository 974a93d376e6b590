import type { Dependency, DependencyView } from "./stage-plan.ts";

type Spec = Record<string, unknown>;
const refName = (ref: unknown): string | undefined => (ref as { name?: string } | undefined)?.name;

/** The resources a resource of `kind` waits for (DESIGN.md §3, "waits for"). */
export function dependenciesOf(kind: string, spec: Spec): Dependency[] {
  const one = (role: string, depKind: string, ref: unknown): Dependency[] => {
    const name = refName(ref);
    return name ? [{ role, kind: depKind, name }] : [];
  };
  switch (kind) {
    case "ClassificationDataset":
      return one("detector", "RoiDetectorTraining", spec.detector);
    case "ClassifierFold":
      return one("dataset", "ClassificationDataset", spec.dataset);
    case "EngineBuild":
      if (spec.source !== "Folds") return [];
      return ((spec.folds as unknown[] | undefined) ?? []).flatMap((ref, i) => one(`fold${i}`, "ClassifierFold", ref));
    case "Submission":
      return [...one("detector", "RoiDetectorTraining", spec.detector), ...one("engine", "EngineBuild", spec.engine)];
    default:
      return [];
  }
}

/** Why a resource cannot start: the first dependency that is not Ready, as a condition. */
export interface Blocker {
  reason: string;
  message: string;
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
