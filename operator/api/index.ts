import { classificationDatasetKind } from "./kinds/classification-dataset.ts";
import { classifierFoldKind } from "./kinds/classifier-fold.ts";
import type { KindDefinition } from "./kinds/define.ts";
import { engineBuildKind } from "./kinds/engine-build.ts";
import { reproductionKind } from "./kinds/reproduction.ts";
import { roiDetectorTrainingKind } from "./kinds/roi-detector-training.ts";
import { submissionKind } from "./kinds/submission.ts";

export * from "../../jobs/contract/parameters/classifier.ts";
export * from "../../jobs/contract/parameters/datasets.ts";
export * from "../../jobs/contract/parameters/detector-training.ts";
export * from "../../jobs/contract/parameters/engine.ts";
export * from "../../jobs/contract/parameters/pixels.ts";
export * from "../../jobs/contract/parameters/roi.ts";
export * from "../../jobs/contract/parameters/submission.ts";
export * from "./common.ts";
export * from "./group.ts";
export * from "./kinds/classification-dataset.ts";
export * from "./kinds/classifier-fold.ts";
export type { KindDefinition, PrinterColumn } from "./kinds/define.ts";
export * from "./kinds/engine-build.ts";
export * from "./kinds/reproduction.ts";
export * from "./kinds/roi-detector-training.ts";
export * from "./kinds/submission.ts";
export * from "./status.ts";

/** Every kind, in pipeline order (a kind only waits for kinds listed before it). */
export const ALL_KINDS: readonly KindDefinition[] = [
  reproductionKind,
  roiDetectorTrainingKind,
  classificationDatasetKind,
  classifierFoldKind,
  engineBuildKind,
  submissionKind,
];

export function kindByName(kind: string): KindDefinition | undefined {
  return ALL_KINDS.find((k) => k.kind === kind);
}
export * from "./parse.ts";
