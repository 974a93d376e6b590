// Submission (docs/seed-pipeline.md#inference): test set, per-image prediction, aggregation per breast, CSV, metrics.
export {
  type BreastProbability,
  binarise,
  breastProbabilities,
  decisionThreshold,
  foldMean,
  quantileLinear,
  submissionCsv,
} from "./aggregate.ts";
export { CsvError, formatCsv, parseCsv } from "./csv.ts";
export { type Evaluation, evaluateBreasts } from "./evaluation.ts";
export { breastLabelsFromCsv } from "./labels.ts";
export { predictImages } from "./predict-images.ts";
export { type ImageResult, type ProbabilityRow, probabilitiesCsv, readProbabilitiesCsv } from "./probabilities-file.ts";
export { type PredictRun, runPredict } from "./run-predict.ts";
export { aggregateStage, BREASTS_FILE, PROBABILITIES_FILE, predictStage, SUBMISSION_FILE } from "./stages.ts";
export { buildSubmission, type Submission } from "./submission.ts";
export { locateImage, shardOf, type TestImage, testImagesFromCsv } from "./test-set.ts";
