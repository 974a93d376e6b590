import { type ChildManifest, REPRODUCTION_LABEL } from "./reproduction.ts";

/** A resource that may be a Reproduction's child, as the caches show it. */
export interface ExistingChild {
  kind: string;
  name: string;
  labels?: Record<string, string>;
  /** uid of its controlling owner reference, if any. */
  controllerUid?: string;
}

/**
 * The children a Reproduction made that its spec no longer asks for (its mode changed, e.g.
 * FullReproduce → Trained leaves the dataset and folds; fewer folds leave the last ones): they
 * would otherwise keep running, holding GPUs for work nothing reads. Only resources it labelled
 * and controls (owner reference with its uid) are pruned, never one a person made with the label.
 */
export function unwantedChildren(
  reproduction: { name: string; uid: string },
  existing: readonly ExistingChild[],
  wanted: readonly ChildManifest[],
): ExistingChild[] {
  const keep = new Set(wanted.map((c) => `${c.kind}/${c.metadata.name}`));
  return existing.filter(
    (c) =>
      c.labels?.[REPRODUCTION_LABEL] === reproduction.name &&
      c.controllerUid === reproduction.uid &&
      !keep.has(`${c.kind}/${c.name}`),
  );
}
