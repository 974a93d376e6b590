import type { ParsedSpec } from "./kinds/registered-kind.ts";
import { registeredKind } from "./registry.ts";
import { linkInputDigests } from "./request-digest.ts";
import type { DependencyView, ResourceId, StagePlan } from "./stage-plan.ts";

export { STAGE_KINDS } from "./registry.ts";

export interface PlanContext {
  /** Ready dependencies by role (dependencies must all be Ready before planning). */
  dependencies: readonly DependencyView[];
  /** GPU type of the resource's pool (engines are built for one GPU type). */
  gpuType: string;
}

/**
 * The stages of a resource, in the order they run, with their inputs (and the request digests of
 * the stages that wrote them) and parameters, from its spec as the registry read it. Every
 * dependency must be Ready.
 */
export function planParsedStages(resource: ResourceId, spec: ParsedSpec, context: PlanContext): StagePlan[] {
  if (!spec.plan) throw new Error(`${resource.kind} has no stages`);
  const dependencies = new Map(context.dependencies.map((d) => [d.role, d.stageDirs]));
  return linkInputDigests(spec.plan(resource, { dependencies, gpuType: context.gpuType }), context.dependencies);
}

/** planParsedStages for a spec not read yet (the local runner, tests): a spec the schema refuses is an error. */
export function planStages(resource: ResourceId, spec: unknown, context: PlanContext): StagePlan[] {
  const reading = registeredKind(resource.kind).read(spec);
  if (!reading.ok) throw new Error(`${resource.kind}/${resource.name}: invalid spec: ${reading.problem}`);
  return planParsedStages(resource, reading.spec, context);
}
