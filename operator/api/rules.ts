import type { Invariant } from "../../jobs/contract/invariants.ts";

// The invariant machinery lives in the contract, beside the stage parameters that use it; the API
// states its own rules (names) with it and re-exports it for its kinds.
export { type CelRule, type Invariant, toCelRule, withInvariants } from "../../jobs/contract/invariants.ts";

/** Kubernetes' limit on a label value and on a Job's name (the Job controller copies it into a label). */
export const LABEL_VALUE_MAX_LENGTH = 63;

/**
 * A resource's name leaves room for the longest name the operator derives from it: its stage
 * Jobs are `<name>-<short name>-<stage id>` (executors/kubernetes/names.ts), a Reproduction's
 * are those of its children `<name>-<role>`. A longer name would make the Job controller's
 * label value invalid (or, without this rule, force a hashed, unreadable Job name), so the API
 * server refuses it when the resource is created. `longestSuffix` is what the longest derived
 * name appends to the resource's name.
 */
export function nameLeavesRoomFor(longestSuffix: string): Invariant<{ metadata: { name: string } }> {
  const max = LABEL_VALUE_MAX_LENGTH - longestSuffix.length;
  return {
    cel: `size(self.metadata.name) <= ${max}`,
    message: `metadata.name must be at most ${max} characters: the operator names Jobs <name>${longestSuffix} (at most ${LABEL_VALUE_MAX_LENGTH} characters, the limit of a label value)`,
    fieldPath: ".metadata.name",
    holds: (resource) => resource.metadata.name.length <= max,
  };
}

/**
 * A field a mode of a resource does not read, refused in that mode unless it is at its default:
 * a fold count, candidate epochs or a schedule that the mode would silently ignore is a mistake
 * the user hears about at validation, naming the field, not one found in the results. `unset` is
 * the CEL test that the field is absent or at its default, `isUnset` the same in TypeScript.
 */
export function unusedInMode<T extends { mode: string }>(rule: {
  mode: string;
  field: string;
  unset: string;
  isUnset: (value: T) => boolean;
  why: string;
}): Invariant<T> {
  return {
    cel: `self.mode != '${rule.mode}' || ${rule.unset}`,
    message: `${rule.field} is not used in mode ${rule.mode}: ${rule.why}`,
    fieldPath: `.${rule.field}`,
    holds: (value) => value.mode !== rule.mode || rule.isUnset(value),
  };
}
