import type { z } from "zod";
import type { Placement } from "../../api/common.ts";
import type { ChildManifest } from "../reproduction.ts";
import type { Dependency, ResourceId, StagePlan } from "../stage-plan.ts";

/** What a kind's stage plan reads besides its spec. */
export interface KindPlanContext {
  /** Stage folders of each Ready dependency by stage id, keyed by the dependency's role. */
  dependencies: ReadonlyMap<string, Record<string, string>>;
  /** GPU type of the resource's pool (engines are built for one GPU type). */
  gpuType: string;
}

/** The resources of one kind a spec refers to, each with the role its outputs play. */
export interface Reference<Spec> {
  /** The API definition of the referenced kind (an object, so a misspelt kind does not compile). */
  kind: { readonly kind: string };
  refs: (spec: Spec) => { role: string; name: string }[];
}

/**
 * Everything the operator knows about a kind, said once: its API definition (schema, plural,
 * short names), the resources it waits for, and either its stages or the resources it creates.
 * `Spec` is the parsed spec, defaults applied, so the functions below never see raw input.
 */
export interface KindDeclaration<Spec> {
  definition: { readonly kind: string; readonly shortNames: readonly string[]; readonly spec: z.ZodType<Spec> };
  /** In the order the resource reads them (DESIGN.md §3, "waits for"). */
  references: readonly Reference<Spec>[];
  /** The stages a resource runs, in order; absent for a kind that runs none. */
  plan?: (resource: ResourceId, spec: Spec, context: KindPlanContext) => StagePlan[];
  /** The resources a resource creates and owns (Reproduction). */
  children?: (namespace: string, name: string, spec: Spec) => ChildManifest[];
}

/**
 * A spec parsed and defaulted once, with what the pipeline derives from it bound to it: the
 * callers hold no typed spec of their own, so they never cast one back from `unknown`.
 */
export interface ParsedSpec {
  placement: Placement;
  /** spec.suspend: no stage starts and running stages are suspended (api/common.ts Suspend). */
  suspend: boolean;
  dependencies: Dependency[];
  plan?: (resource: ResourceId, context: KindPlanContext) => StagePlan[];
  children?: (namespace: string, name: string) => ChildManifest[];
}

export type SpecReading = { ok: true; spec: ParsedSpec } | { ok: false; problem: string };

/** A kind as the controllers, the watches and the local runner use it. */
export interface RegisteredKind {
  kind: string;
  /** Part of the names of its stage Jobs: the first short name of its CRD. */
  shortName: string;
  /** Kinds its resources can wait for. */
  waitsFor: readonly string[];
  runsStages: boolean;
  /** The spec parsed against the API schema, or the schema's complaint. */
  read(spec: unknown): SpecReading;
}

export function registerKind<Spec extends { placement: Placement; suspend: boolean }>(
  declaration: KindDeclaration<Spec>,
): RegisteredKind {
  const { definition, references, plan, children } = declaration;
  const [shortName] = definition.shortNames;
  if (!shortName) throw new Error(`${definition.kind} has no short name`);
  const bind = (spec: Spec): ParsedSpec => ({
    placement: spec.placement,
    suspend: spec.suspend,
    dependencies: references.flatMap((r) => r.refs(spec).map(({ role, name }) => ({ role, kind: r.kind.kind, name }))),
    ...(plan ? { plan: (resource: ResourceId, context: KindPlanContext) => plan(resource, spec, context) } : {}),
    ...(children ? { children: (namespace: string, name: string) => children(namespace, name, spec) } : {}),
  });
  return {
    kind: definition.kind,
    shortName,
    waitsFor: [...new Set(references.map((r) => r.kind.kind))],
    runsStages: plan !== undefined,
    read(spec) {
      const parsed = definition.spec.safeParse(spec);
      return parsed.success ? { ok: true, spec: bind(parsed.data) } : { ok: false, problem: parsed.error.message };
    },
  };
}
