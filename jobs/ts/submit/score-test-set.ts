import { writeFileAtomic } from "../../contract/files.ts";
import type { Aggregation } from "../../contract/parameters/submission.ts";
import { ExecutionProviderUnavailable, ModelLoadError } from "../onnx/session.ts";
import { cpuBudget } from "../platform/cpu-budget.ts";
import { CsvError } from "./csv.ts";
import { type ImageResult, probabilitiesCsv, readProbabilitiesCsv } from "./probabilities-file.ts";
import { type PredictRun, runPredict } from "./run-predict.ts";
import { buildSubmission, type Submission } from "./submission.ts";

/**
 * Errors about the inputs themselves (a model that does not load, a provider this machine lacks,
 * a malformed CSV): the command exits 2 and a stage fails permanently, since a retry cannot fix them.
 */
export function isBadInputError(error: unknown): error is ModelLoadError | ExecutionProviderUnavailable | CsvError {
  return error instanceof ModelLoadError || error instanceof ExecutionProviderUnavailable || error instanceof CsvError;
}

export interface TestSetScoring extends Omit<PredictRun, "shard" | "workers"> {
  /** Worker threads preparing images (default: one per core this process may use). */
  workers?: number;
  aggregation: Aggregation;
  /** submission.csv to write. */
  out: string;
  /** Also write the per-image probabilities here. */
  probs?: string;
}

export interface TestSetScore {
  results: ImageResult[];
  submission: Submission;
  /** Images that got a probability. */
  scored: number;
}

/**
 * The seed's submission on one machine (`mammoflow predict`): every image of test.csv scored, the
 * probabilities aggregated per breast as the aggregate stage does, submission.csv written (and
 * the per-image probabilities when asked). The rows go through the probabilities CSV, as between
 * the predict and aggregate stages, so that both paths aggregate exactly the same numbers.
 */
export async function scoreTestSet(scoring: TestSetScoring): Promise<TestSetScore> {
  const { aggregation, out, probs, workers, ...run } = scoring;
  const results = await runPredict({ ...run, workers: workers ?? cpuBudget() });
  const probabilitiesText = probabilitiesCsv(results);
  if (probs) await writeFileAtomic(probs, probabilitiesText);
  const submission = buildSubmission(readProbabilitiesCsv(probabilitiesText, probs ?? "probabilities"), aggregation);
  await writeFileAtomic(out, submission.csv);
  return { results, submission, scored: results.length - submission.failedImages.length };
}
