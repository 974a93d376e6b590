// Competition metrics (docs/seed-pipeline.md#metrics): probabilistic F1, best-threshold F1, ROC AUC.
export { type BestThreshold, bestThreshold, THRESHOLD_GRID } from "./best-threshold.ts";
export { pfbeta } from "./pfbeta.ts";
export { rocAuc } from "./roc-auc.ts";
