import { createHash } from "node:crypto";

/** What the selection needs to know of a breast. */
export interface Selectable {
  predictionId: string;
  probability: number;
  decision: 0 | 1;
  label?: 0 | 1;
}

export interface SelectionLimits {
  /** Up to this many breasts the report shows them all. */
  showAllUpTo: number;
  /** Above it: this many false negatives (lowest scores first) and false positives (highest first). */
  worst: number;
  /** …and this many of the other breasts, a deterministic sample. */
  sample: number;
}

/** The seed test set has ~2 breasts per patient; 200 rows with two thumbnails each stay under 2 MB. */
export const DEFAULT_LIMITS: SelectionLimits = { showAllUpTo: 200, worst: 40, sample: 120 };

export interface SelectionGroup<T> {
  id: "all" | "false-negatives" | "false-positives" | "highest" | "sample";
  title: string;
  breasts: T[];
}

export interface Selection<T> {
  total: number;
  /** True when the report shows only some breasts (the full table is the CSV beside it). */
  bounded: boolean;
  groups: SelectionGroup<T>[];
}

const byScoreDown = <T extends Selectable>(a: T, b: T) =>
  b.probability - a.probability || a.predictionId.localeCompare(b.predictionId);

/** A fixed pseudo-random order: the same breasts are sampled on every run and in every input order. */
const sampleKey = (predictionId: string) => createHash("sha256").update(predictionId).digest("hex");

/**
 * Which breasts the report shows. A small set: all of them, highest score first. A large one:
 * the worst mistakes (missed cancers with the lowest scores, false alarms with the highest;
 * without labels, the highest scores) and a sample of the rest chosen by a hash of the
 * prediction_id, so the page stays a few MB whatever the test set's size.
 */
export function selectBreasts<T extends Selectable>(breasts: readonly T[], limits: SelectionLimits): Selection<T> {
  if (breasts.length <= limits.showAllUpTo) {
    return {
      total: breasts.length,
      bounded: false,
      groups: [{ id: "all", title: `All ${breasts.length} breasts`, breasts: [...breasts].sort(byScoreDown) }],
    };
  }
  const labelled = breasts.some((b) => b.label !== undefined);
  const groups: SelectionGroup<T>[] = [];
  const chosen = new Set<string>();
  const take = (group: SelectionGroup<T>) => {
    for (const b of group.breasts) chosen.add(b.predictionId);
    groups.push(group);
  };
  if (labelled) {
    const missed = breasts
      .filter((b) => b.label === 1 && b.decision === 0)
      .sort((a, b) => a.probability - b.probability || a.predictionId.localeCompare(b.predictionId))
      .slice(0, limits.worst);
    const alarms = breasts
      .filter((b) => b.label === 0 && b.decision === 1)
      .sort(byScoreDown)
      .slice(0, limits.worst);
    take({ id: "false-negatives", title: `Worst ${missed.length} false negatives (lowest scores)`, breasts: missed });
    take({ id: "false-positives", title: `Worst ${alarms.length} false positives (highest scores)`, breasts: alarms });
  } else {
    const highest = [...breasts].sort(byScoreDown).slice(0, limits.worst);
    take({ id: "highest", title: `${highest.length} highest scores`, breasts: highest });
  }
  const rest = breasts
    .filter((b) => !chosen.has(b.predictionId))
    .map((b) => ({ b, key: sampleKey(b.predictionId) }))
    .sort((p, q) => (p.key < q.key ? -1 : p.key > q.key ? 1 : 0))
    .slice(0, limits.sample)
    .map((p) => p.b)
    .sort(byScoreDown);
  take({
    id: "sample",
    title: `A sample of ${rest.length} of the other ${breasts.length - chosen.size} breasts`,
    breasts: rest,
  });
  return { total: breasts.length, bounded: true, groups };
}
