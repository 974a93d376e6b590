import { ALL_KINDS, DEFAULT_GPU_POOL, type ParsedResource, parseResource } from "../../api/index.ts";
import { dependenciesOf } from "../../pipeline/dependencies.ts";
import { planStages } from "../../pipeline/plan.ts";
import { reproductionChildren } from "../../pipeline/reproduction.ts";
import { stageDigest } from "../../pipeline/request-digest.ts";
import type { Dependency, DependencyView, ResourceId, StagePlan } from "../../pipeline/stage-plan.ts";

/** Namespace of everything the local runner does (`runs/local/<kind>/<name>/...`). */
export const LOCAL_NAMESPACE = "local";

/** One resource with the stages it runs, in the order the local runner runs them. */
export interface LocalStep {
  resource: ResourceId;
  stages: StagePlan[];
  /** Whether this run executes the stages (false: a dependency of `--only`, which must be complete). */
  execute: boolean;
  /** `Kind/name` of the manifest it comes from: itself, or the Reproduction that made it. */
  origin: string;
  /** spec.suspend is true on it (a Reproduction's passes to its children): no stage may start (suspension.ts). */
  suspend?: true;
  /** The resources whose outputs it reads (with their roles), which a suspension holds it behind. */
  needs?: Dependency[];
}

export class LocalPlanError extends Error {
  override name = "LocalPlanError";
}

type Spec = Record<string, unknown>;
interface Node {
  kind: string;
  name: string;
  spec: Spec;
  /** The manifest's resource it comes from: itself, or the Reproduction that made it. */
  origin: string;
}

/** How the local runner plans on a machine without a GPU (absent: as on a GPU machine). */
export interface WithoutGpu {
  /**
   * Resources (`Kind/name` of the manifests) whose manifest asks for TensorRT engines itself: an
   * EngineBuild's or a Reproduction's `export.tensorRT`, a RoiDetectorTraining's `tensorRT`.
   */
  engineAsked: ReadonlySet<string>;
  /** Told once per EngineBuild or RoiDetectorTraining whose TensorRT engine is left out. */
  note: (line: string) => void;
}

/** A resource as `Kind/name`, how the run names it (manifests, `--only`, `--force`, holds). */
export const resourceKey = (kind: string, name: string) => `${kind}/${name}`;

/** Reproductions become the resources their mode needs, validated like any manifest. */
function expandReproductions(resources: readonly ParsedResource[]): Node[] {
  const nodes: Node[] = [];
  for (const { kind, resource } of resources) {
    const spec = resource.spec as Spec;
    const origin = resourceKey(kind.kind, resource.metadata.name);
    if (kind.kind !== "Reproduction") {
      nodes.push({ kind: kind.kind, name: resource.metadata.name, spec, origin });
      continue;
    }
    const children = reproductionChildren(LOCAL_NAMESPACE, resource.metadata.name, spec as never);
    for (const child of children) {
      const parsed = parseResource(ALL_KINDS, child, `Reproduction/${resource.metadata.name}`);
      nodes.push({ kind: child.kind, name: child.metadata.name, spec: parsed.resource.spec as Spec, origin });
    }
  }
  return nodes;
}

/** Dependencies before dependants; a missing dependency or a cycle is an error naming both ends. */
function topologicalOrder(nodes: Node[]): Node[] {
  const byKey = new Map<string, Node>();
  for (const node of nodes) {
    const key = resourceKey(node.kind, node.name);
    if (byKey.has(key)) throw new LocalPlanError(`${key} is defined twice`);
    byKey.set(key, node);
  }
  const ordered: Node[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (node: Node, path: string[]) => {
    const key = resourceKey(node.kind, node.name);
    if (state.get(key) === "done") return;
    if (state.get(key) === "visiting") throw new LocalPlanError(`dependency cycle: ${[...path, key].join(" → ")}`);
    state.set(key, "visiting");
    for (const dependency of dependenciesOf(node.kind, node.spec)) {
      const target = byKey.get(resourceKey(dependency.kind, dependency.name));
      if (!target) {
        throw new LocalPlanError(
          `${key} needs ${dependency.kind}/${dependency.name} (its ${dependency.role}), which is not in the manifests`,
        );
      }
      visit(target, [...path, key]);
    }
    state.set(key, "done");
    ordered.push(node);
  };
  for (const node of nodes) visit(node, []);
  return ordered;
}

/** The dependencies a node still needs when `--only` selects it (transitively). */
function closureOf(target: Node, nodes: Node[]): Set<string> {
  const byKey = new Map(nodes.map((n) => [resourceKey(n.kind, n.name), n]));
  const needed = new Set<string>();
  const walk = (node: Node) => {
    for (const d of dependenciesOf(node.kind, node.spec)) {
      const key = resourceKey(d.kind, d.name);
      if (needed.has(key)) continue;
      needed.add(key);
      const next = byKey.get(key);
      if (next) walk(next);
    }
  };
  walk(target);
  return needed;
}

/** Where each kind that builds a TensorRT engine keeps its switch, read from and written to its spec. */
const ENGINE_SWITCHES: Record<string, { field: string; get: (spec: Spec) => unknown; off: (spec: Spec) => Spec }> = {
  EngineBuild: {
    field: "export.tensorRT",
    get: (spec) => (spec.export as { tensorRT?: boolean } | undefined)?.tensorRT,
    off: (spec) => ({ ...spec, export: { ...(spec.export as object), tensorRT: false } }),
  },
  RoiDetectorTraining: {
    field: "tensorRT",
    get: (spec) => spec.tensorRT,
    off: (spec) => ({ ...spec, tensorRT: false }),
  },
};

/**
 * Without a GPU, an engine nobody asked for is not built: TensorRT needs one, and ONNX Runtime runs
 * the exported ONNX model on the CPU (a Submission's Auto provider picks the CPU there, and the
 * detector's Auto precision then float32). One rule for the ensemble's and the detector's engine:
 * the default of a Reproduction's export.tensorRT (true) is for the cluster's GPU pools; a manifest
 * that sets the switch itself keeps it.
 */
function withoutUnaskedEngine(node: Node, withoutGpu: WithoutGpu | undefined): Spec {
  const engine = ENGINE_SWITCHES[node.kind];
  if (!withoutGpu || !engine || engine.get(node.spec) !== true || withoutGpu.engineAsked.has(node.origin))
    return node.spec;
  withoutGpu.note(
    `no GPU: ${resourceKey(node.kind, node.name)} stays ONNX on the CPU (set ${engine.field}: true to build a TensorRT engine)`,
  );
  return engine.off(node.spec);
}

/**
 * What a local run does, decided up front with the same pipeline code as the operator: every
 * resource (Reproductions expanded), ordered by dependencies, each with its stage plans. With
 * `only` (`Kind/name`), that resource runs and its dependencies are planned but not executed.
 */
export function planLocalRun(
  resources: readonly ParsedResource[],
  options: { only?: string; gpuTypeOf?: (pool: string) => string; withoutGpu?: WithoutGpu } = {},
): LocalStep[] {
  const nodes = expandReproductions(resources);
  const ordered = topologicalOrder(nodes);
  let executed: Set<string> | undefined;
  let keep: Set<string> | undefined;
  if (options.only) {
    const target = nodes.find((n) => resourceKey(n.kind, n.name) === options.only);
    if (!target) {
      const known = nodes.map((n) => resourceKey(n.kind, n.name)).join(", ");
      throw new LocalPlanError(`--only ${options.only}: no such resource (known: ${known})`);
    }
    executed = new Set([options.only]);
    keep = new Set([...closureOf(target, nodes), options.only]);
  }
  const stageDirsOf = new Map<string, Record<string, string>>();
  const stageDigestsOf = new Map<string, Record<string, string>>();
  const steps: LocalStep[] = [];
  for (const node of ordered) {
    const key = resourceKey(node.kind, node.name);
    if (keep && !keep.has(key)) continue;
    const resource: ResourceId = { kind: node.kind, namespace: LOCAL_NAMESPACE, name: node.name };
    if (node.kind === "Reproduction") continue;
    const dependencies: DependencyView[] = dependenciesOf(node.kind, node.spec).map((d) => ({
      ...d,
      phase: "Succeeded",
      ready: true,
      stageDirs: stageDirsOf.get(resourceKey(d.kind, d.name)) ?? {},
      stageDigests: stageDigestsOf.get(resourceKey(d.kind, d.name)) ?? {},
    }));
    const placement = node.spec.placement as { gpuPool?: string } | undefined;
    const gpuType = options.gpuTypeOf?.(placement?.gpuPool ?? DEFAULT_GPU_POOL) ?? "local";
    const stages = planStages(resource, withoutUnaskedEngine(node, options.withoutGpu), { dependencies, gpuType });
    stageDirsOf.set(key, Object.fromEntries(stages.map((s) => [s.id, s.outputDir])));
    stageDigestsOf.set(key, Object.fromEntries(stages.map((s) => [s.id, stageDigest(s)])));
    steps.push({
      resource,
      stages,
      execute: executed ? executed.has(key) : true,
      origin: node.origin,
      ...(node.spec.suspend === true ? { suspend: true as const } : {}),
      ...(dependencies.length > 0 ? { needs: dependencies.map(({ role, kind, name }) => ({ role, kind, name })) } : {}),
    });
  }
  return steps;
}
