import type { z } from "zod";

/**
 * An invariant stated once and enforced twice: as a CEL rule the API server evaluates
 * (`x-kubernetes-validations` in the generated CRD) and as a zod refinement the local runner
 * and the operator evaluate. Both sides must agree; tests check them on the same objects.
 */
export interface Invariant<T> {
  /** CEL expression evaluated with `self` bound to the object the rule is attached to. */
  cel: string;
  /** Message shown by the API server and by zod when the rule does not hold. */
  message: string;
  /** JSON path (relative to `self`) the error is reported on, e.g. `.checkpoint`. */
  fieldPath?: string;
  /** The same rule in TypeScript. */
  holds: (value: T) => boolean;
}

export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
}

export function toCelRule<T>(invariant: Invariant<T>): CelRule {
  const rule: CelRule = { rule: invariant.cel, message: invariant.message };
  if (invariant.fieldPath) rule.fieldPath = invariant.fieldPath;
  return rule;
}

/** Attaches invariants to an object schema (as CEL metadata and as zod refinements). */
export function withInvariants<S extends z.ZodType>(schema: S, invariants: Invariant<z.output<S>>[]): S {
  const withMeta = schema.meta({
    ...(schema.meta() ?? {}),
    ...(schema.description ? { description: schema.description } : {}),
    "x-kubernetes-validations": invariants.map(toCelRule),
  }) as S;
  return withMeta.superRefine((value, ctx) => {
    for (const invariant of invariants) {
      if (!invariant.holds(value as z.output<S>)) {
        const path = invariant.fieldPath ? invariant.fieldPath.replace(/^\./, "").split(".") : [];
        ctx.addIssue({ code: "custom", message: invariant.message, path });
      }
    }
  }) as S;
}
