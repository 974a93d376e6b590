import path from "node:path";
import { RESULT_FILE, type StageResult } from "../../../jobs/contract/result.ts";

/** A stage of a finished run as the summary reads it: its result and the folder it is in. */
export interface SummaryRun {
  resource: string;
  /** The stage's id in its resource (train-fold-2); the result names the stage program. */
  stage: string;
  shard?: string;
  /** Absolute folder of the stage (or shard) request, where its result.json is. */
  folder: string;
  result: StageResult;
}

/** Items a stage went on without: how many, what they are, and the file that lists them. */
export interface SkippedItems {
  resource: string;
  stage: string;
  shard?: string;
  count: number;
  what: string;
  /** Absolute path of the file that lists every one of them. */
  listedIn: string;
}

/**
 * Where each stage counts the items it skipped or could not process (its result's metrics) and
 * the artifact that lists them all; result.json's `problems` holds them otherwise (prepare-dataset
 * keeps only the first 1000 there, its report.json has every one).
 */
const COUNTED: Record<string, { metric: string; what: string; artifact?: string }> = {
  "prepare-dataset": { metric: "errors", what: "image(s) or label row(s) left out", artifact: "report" },
  "roi-images": { metric: "failed", what: "labelled image(s) not decoded", artifact: "failures" },
  predict: { metric: "failedImages", what: "test image(s) not scored" },
  aggregate: { metric: "missingBreasts", what: "breast(s) with no scored image, written as 0" },
};

/** A prepare-dataset shard's own image failures, which the merge's `errors` already counts. */
const SHARD_METRIC = "failed";

function countOf(run: SummaryRun, runs: readonly SummaryRun[]): number {
  const counted = COUNTED[run.result.stage];
  const metrics = run.result.metrics;
  if (!counted) return run.result.problems.length;
  if (run.result.stage === "prepare-dataset" && metrics[counted.metric] === undefined) {
    // A shard that did not merge: its failures are in the merge's count when some shard merged.
    const merged = runs.some(
      (r) => r.resource === run.resource && r.stage === run.stage && r.result.metrics[counted.metric] !== undefined,
    );
    return merged ? 0 : (metrics[SHARD_METRIC] ?? 0);
  }
  return metrics[counted.metric] ?? run.result.problems.length;
}

/**
 * Every stage of the run, reused ones included, that succeeded without some of its items (images
 * that could not be read, breasts with no score), with the file to read them in: "done" alone
 * would hide them.
 */
export function skippedItems(runs: readonly SummaryRun[], storageRoot: string): SkippedItems[] {
  const skipped: SkippedItems[] = [];
  for (const run of runs) {
    const count = countOf(run, runs);
    if (count === 0) continue;
    const counted = COUNTED[run.result.stage];
    const artifact = run.result.artifacts.find((a) => a.name === counted?.artifact);
    skipped.push({
      resource: run.resource,
      stage: run.stage,
      ...(run.shard ? { shard: run.shard } : {}),
      count,
      what: counted?.what ?? "item(s) skipped",
      listedIn: artifact ? path.join(storageRoot, artifact.path) : path.join(run.folder, RESULT_FILE),
    });
  }
  return skipped;
}

/** The lines that end a run's text output: nothing when every item went through. */
export function skippedLines(skipped: readonly SkippedItems[]): string[] {
  if (skipped.length === 0) return [];
  const total = skipped.reduce((n, s) => n + s.count, 0);
  return [
    `${total} item(s) skipped or failed; the run went on without them:`,
    ...skipped.map(
      (s) =>
        `  ${s.resource} ${s.stage}${s.shard ? ` (${s.shard})` : ""}: ${s.count} ${s.what}; listed in ${s.listedIn}`,
    ),
  ];
}
