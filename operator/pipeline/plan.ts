import type { ClassificationDataset } from "../api/kinds/classification-dataset.ts";
import type { ClassifierFold } from "../api/kinds/classifier-fold.ts";
import type { EngineBuild } from "../api/kinds/engine-build.ts";
import type { RoiDetectorTraining } from "../api/kinds/roi-detector-training.ts";
import type { Submission } from "../api/kinds/submission.ts";
import { planClassificationDataset } from "./kinds/classification-dataset.ts";
import { planClassifierFold } from "./kinds/classifier-fold.ts";
import { planEngineBuild } from "./kinds/engine-build.ts";
import { planRoiDetectorTraining } from "./kinds/roi-detector-training.ts";
import { planSubmission } from "./kinds/submission.ts";
import { linkInputDigests } from "./request-digest.ts";
import type { DependencyView, ResourceId, StagePlan } from "./stage-plan.ts";

/** Kinds whose resources run stages (Reproduction only creates resources). */
export const STAGE_KINDS = [
  "RoiDetectorTraining",
  "ClassificationDataset",
  "ClassifierFold",
  "EngineBuild",
  "Submission",
] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

export interface PlanContext {
  /** Ready dependencies by role (dependencies must all be Ready before planning). */
  dependencies: readonly DependencyView[];
  /** GPU type of the resource's pool (engines are built for one GPU type). */
  gpuType: string;
}

/**
 * The stages of a resource, in the order they run, with their inputs (and the request digests of
 * the stages that wrote them) and parameters. The spec must be the parsed spec (defaults
 * applied); every dependency must be Ready.
 */
export function planStages(resource: ResourceId, spec: unknown, context: PlanContext): StagePlan[] {
  return linkInputDigests(planKind(resource, spec, context), context.dependencies);
}

function planKind(resource: ResourceId, spec: unknown, context: PlanContext): StagePlan[] {
  const dirs = new Map(context.dependencies.map((d) => [d.role, d.stageDirs]));
  switch (resource.kind as StageKind) {
    case "RoiDetectorTraining":
      return planRoiDetectorTraining(resource, spec as RoiDetectorTraining["spec"]);
    case "ClassificationDataset":
      return planClassificationDataset(resource, spec as ClassificationDataset["spec"], dirs);
    case "ClassifierFold":
      return planClassifierFold(resource, spec as ClassifierFold["spec"], dirs);
    case "EngineBuild":
      return planEngineBuild(resource, spec as EngineBuild["spec"], dirs, context.gpuType);
    case "Submission":
      return planSubmission(resource, spec as Submission["spec"], dirs);
    default:
      throw new Error(`${resource.kind} has no stages`);
  }
}
