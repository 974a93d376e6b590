import type { DatasetProblem, ProblemKind } from "./types.ts";

const KINDS: readonly ProblemKind[] = [
  "unreadable-file",
  "missing-view",
  "label-without-image",
  "image-without-label",
  "bad-label",
];

/** How many files the failure message names before pointing to the report. */
const NAMED_IN_MESSAGE = 20;

export interface ErrorSummary {
  /** Items considered: planned images plus problem items that are not planned images. */
  items: number;
  errors: number;
  fraction: number;
  counts: Record<ProblemKind, number>;
}

export function summarize(problems: readonly DatasetProblem[], items: number): ErrorSummary {
  const counts = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<ProblemKind, number>;
  for (const p of problems) counts[p.kind] += 1;
  return { items, errors: problems.length, fraction: items === 0 ? 0 : problems.length / items, counts };
}

/** The stage fails only when the error fraction is above the limit (equal is allowed). */
export function exceedsLimit(summary: ErrorSummary, maxErrorFraction: number): boolean {
  return summary.fraction > maxErrorFraction;
}

const percent = (x: number) => `${(x * 100).toFixed(2)} %`;

/** The failure message: counts, the limit, and which files (the first ones; all are in the report). */
export function failureMessage(
  problems: readonly DatasetProblem[],
  summary: ErrorSummary,
  maxErrorFraction: number,
  reportPath: string,
): string {
  const kinds = KINDS.filter((k) => summary.counts[k] > 0)
    .map((k) => `${summary.counts[k]} ${k}`)
    .join(", ");
  const named = problems.slice(0, NAMED_IN_MESSAGE).map((p) => `${p.item}: ${p.message}`);
  const more =
    problems.length > NAMED_IN_MESSAGE ? [`… and ${problems.length - NAMED_IN_MESSAGE} more in ${reportPath}`] : [];
  return [
    `${summary.errors} of ${summary.items} items failed (${percent(summary.fraction)} > maxErrorFraction ${percent(maxErrorFraction)}): ${kinds}`,
    ...named,
    ...more,
  ].join("\n");
}
