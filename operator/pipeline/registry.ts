import { classificationDataset } from "./kinds/classification-dataset.ts";
import { classifierFold } from "./kinds/classifier-fold.ts";
import { engineBuild } from "./kinds/engine-build.ts";
import type { RegisteredKind } from "./kinds/registered-kind.ts";
import { reproduction } from "./kinds/reproduction.ts";
import { roiDetectorTraining } from "./kinds/roi-detector-training.ts";
import { submission } from "./kinds/submission.ts";

/**
 * Every kind, in pipeline order (a kind only waits for kinds listed before it). The watches,
 * the controllers, the Job names and the local runner derive what they need from it.
 */
export const KINDS: readonly RegisteredKind[] = [
  reproduction,
  roiDetectorTraining,
  classificationDataset,
  classifierFold,
  engineBuild,
  submission,
];

/** The registered kind named `kind`; an unknown name is a programming error. */
export function registeredKind(kind: string): RegisteredKind {
  const found = KINDS.find((k) => k.kind === kind);
  if (!found) throw new Error(`unknown kind ${kind}; expected one of ${KINDS.map((k) => k.kind).join(", ")}`);
  return found;
}

/** Kinds whose resources run stages (Reproduction only creates resources). */
export const STAGE_KINDS: readonly string[] = KINDS.filter((k) => k.runsStages).map((k) => k.kind);

/** Kinds whose resources can wait for a resource of `kind` (the inverse of waitsFor). */
export function dependantKinds(kind: string): string[] {
  return KINDS.filter((k) => k.waitsFor.includes(kind)).map((k) => k.kind);
}
