import type { Condition } from "../api/status.ts";

export type ConditionInput = Pick<Condition, "type" | "status" | "reason" | "message">;

/**
 * Sets a condition the way metav1 does: lastTransitionTime only moves when the status flips,
 * so re-deriving an unchanged status gives equal objects (and no status write).
 */
export function setCondition(
  conditions: readonly Condition[],
  next: ConditionInput,
  now: string,
  observedGeneration?: number,
): Condition[] {
  const previous = conditions.find((c) => c.type === next.type);
  const condition: Condition = {
    ...next,
    lastTransitionTime: previous && previous.status === next.status ? previous.lastTransitionTime : now,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
  };
  return [...conditions.filter((c) => c.type !== next.type), condition].sort((a, b) => a.type.localeCompare(b.type));
}

export function setConditions(
  conditions: readonly Condition[],
  next: readonly ConditionInput[],
  now: string,
  observedGeneration?: number,
): Condition[] {
  return next.reduce<Condition[]>(
    (list, c) => setCondition(list, c, now, observedGeneration),
    conditions.filter((c) => next.some((n) => n.type === c.type)),
  );
}
