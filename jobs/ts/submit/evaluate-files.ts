import { readFile } from "node:fs/promises";
import { Aggregation } from "../../contract/parameters/submission.ts";
import { type BreastProbability, decisionThreshold } from "./aggregate.ts";
import { parseCsv } from "./csv.ts";
import { type Evaluation, evaluateBreasts } from "./evaluation.ts";
import { breastLabelsFromCsv } from "./labels.ts";
import { readProbabilitiesCsv } from "./probabilities-file.ts";
import { buildSubmission } from "./submission.ts";

/**
 * Image rows (predict's --probs: image_id, prediction_id, mean) combined per breast as the
 * aggregate stage does (a breast none of whose images was scored counts as 0), or breast rows as
 * they are (prediction_id, probability).
 */
export function breastsFromProbabilities(text: string, file: string, reduction: "Mean" | "Max"): BreastProbability[] {
  const { columns, rows } = parseCsv(text, file);
  if (!columns.includes("image_id") && columns.includes("probability") && columns.includes("prediction_id")) {
    return rows.map((row, i) => {
      const probability = Number(row.probability);
      if (row.probability === "" || !Number.isFinite(probability)) {
        throw new Error(`${file}: line ${i + 2} has probability '${row.probability}'`);
      }
      return { predictionId: row.prediction_id as string, probability, images: 1 };
    });
  }
  return buildSubmission(readProbabilitiesCsv(text, file), Aggregation.parse({ breastReduction: reduction })).breasts;
}

/** Scores breast probabilities against a labels CSV (the aggregate stage's labels input, evaluate's --labels). */
export async function evaluateAgainstLabels(
  breasts: readonly BreastProbability[],
  labelsFile: string,
  threshold: number,
): Promise<Evaluation> {
  return evaluateBreasts(breasts, breastLabelsFromCsv(await readFile(labelsFile, "utf8"), labelsFile), threshold);
}

/** `mammoflow evaluate`: a probabilities file against a labels file, the breasts positive above `threshold`. */
export async function evaluateFiles(options: {
  probs: string;
  labels: string;
  threshold: number;
  reduction: "Mean" | "Max";
}): Promise<Evaluation> {
  const breasts = breastsFromProbabilities(await readFile(options.probs, "utf8"), options.probs, options.reduction);
  return evaluateAgainstLabels(
    breasts,
    options.labels,
    decisionThreshold(breasts, Aggregation.parse({ threshold: options.threshold })),
  );
}
