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

/**
 * Whether a problem is an error. A file that no label row names is listed but not counted: the
 * seed reads only the files its label tables name, so such a file never stopped it.
 */
export function isError(problem: DatasetProblem): boolean {
  return problem.kind !== "image-without-label";
}

/** `items` must leave out the files no label row names (they are not errors, see isError). */
export function summarize(problems: readonly DatasetProblem[], items: number): ErrorSummary {
  const counts = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<ProblemKind, number>;
  for (const p of problems) counts[p.kind] += 1;
  const errors = problems.filter(isError).length;
  return { items, errors, fraction: items === 0 ? 0 : errors / items, counts };
}

/**
 * The stage fails when the error fraction is above the limit (equal is allowed). With the default
 * limit 0, as the seed, any bad image or label row stops it.
 */
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
  const errors = problems.filter(isError);
  const kinds = KINDS.filter((k) => summary.counts[k] > 0 && k !== "image-without-label")
    .map((k) => `${summary.counts[k]} ${k}`)
    .join(", ");
  const named = errors.slice(0, NAMED_IN_MESSAGE).map((p) => `${p.item}: ${p.message}`);
  const more =
    errors.length > NAMED_IN_MESSAGE ? [`… and ${errors.length - NAMED_IN_MESSAGE} more in ${reportPath}`] : [];
  const headline =
    maxErrorFraction === 0
      ? `${summary.errors} of ${summary.items} items are bad and bad data stops the stage, as in the seed (maxErrorFraction 0; a larger value skips them up to that fraction; all are listed in ${reportPath}): ${kinds}`
      : `${summary.errors} of ${summary.items} items failed (${percent(summary.fraction)} > maxErrorFraction ${percent(maxErrorFraction)}): ${kinds}`;
  return [headline, ...named, ...more].join("\n");
}
