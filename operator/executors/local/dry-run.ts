import { canonicalJson, sha256Hex } from "../../../jobs/contract/canonical-json.ts";
import type { StageRequest } from "../../../jobs/contract/request.ts";
import { reusedFromText } from "../../../jobs/contract/result-cache.ts";
import { checkReuse } from "../../../jobs/contract/reuse.ts";
import { stageRequests } from "../../pipeline/request.ts";
import type { LocalStep } from "./local-plan.ts";

/** What `mammoflow run` would do with one stage request, decided without starting or writing anything. */
export interface DryRunStage {
  stage: string;
  shard?: string;
  /** The request's inputs by name: storage-relative paths. */
  inputs: Record<string, string>;
  /**
   * run: no result stands (why says which rule failed); done: its own result stands; reused: the
   * same work's result of another resource would be copied; after: it reads what a stage of this
   * run makes first, so whether it runs is known only then; held: spec.suspend keeps it.
   */
  decision: "run" | "done" | "reused" | "after" | "held";
  why?: string;
}

export interface DryRunResource {
  resource: string;
  /** The manifest's resource it comes from, when a Reproduction made it. */
  origin?: string;
  /** False for a dependency of `--only`, which the run reads but does not run. */
  execute: boolean;
  stages: DryRunStage[];
}

const inside = (file: string, folder: string) => file === folder || file.startsWith(`${folder}/`);

/** The reuse rule the runner applies (jobs/contract/reuse.ts), read-only; an unreadable input means it runs. */
async function decide(
  request: StageRequest,
  options: { storageRoot: string; forced: boolean },
): Promise<Pick<DryRunStage, "decision" | "why">> {
  const check = await checkReuse(options.storageRoot, request, sha256Hex(canonicalJson(request)), {
    force: options.forced,
    readOnly: true,
  }).catch((error: Error) => ({ result: undefined, why: `an input cannot be read: ${error.message}` }));
  if (!check.result) return { decision: "run", ...(check.why ? { why: check.why } : {}) };
  // Reused = copied from another resource now; a copy an earlier run made is this folder's own result.
  return "source" in check && check.source === "cache" && check.result.reusedFrom
    ? { decision: "reused", why: reusedFromText(check.result.reusedFrom) }
    : { decision: "done" };
}

/**
 * The run's plan as `mammoflow run` would carry it out now: every resource in order with its
 * stages, their inputs and whether each would run or have its result reused, by the runner's own
 * reuse check. A stage that reads the output of a stage this run runs first is `after` it.
 */
export async function dryRunPlan(
  steps: readonly LocalStep[],
  options: { storageRoot: string; force?: ReadonlySet<string> },
): Promise<DryRunResource[]> {
  const running: { folder: string; label: string }[] = [];
  const plan: DryRunResource[] = [];
  for (const step of steps) {
    const resource = `${step.resource.kind}/${step.resource.name}`;
    const stages: DryRunStage[] = [];
    for (const stagePlan of step.stages) {
      const forced = options.force?.has(`${resource}/${stagePlan.id}`) ?? false;
      for (const request of stageRequests(step.resource, stagePlan)) {
        const shard = request.shard ? `shard ${request.shard.index + 1}/${request.shard.count}` : undefined;
        const first = running.find((r) => Object.values(request.inputs).some((input) => inside(input, r.folder)));
        const decided: Pick<DryRunStage, "decision" | "why"> =
          step.suspend === true
            ? { decision: "held", why: "spec.suspend" }
            : first && !forced
              ? { decision: "after", why: `reads the outputs of ${first.label}, which runs first` }
              : await decide(request, { storageRoot: options.storageRoot, forced });
        stages.push({ stage: stagePlan.id, ...(shard ? { shard } : {}), inputs: request.inputs, ...decided });
        if (step.execute && (decided.decision === "run" || decided.decision === "after")) {
          running.push({ folder: stagePlan.outputDir, label: `${resource} ${stagePlan.id}` });
        }
      }
    }
    const origin = step.origin !== resource ? { origin: step.origin } : {};
    plan.push({ resource, ...origin, execute: step.execute, stages });
  }
  return plan;
}

const WORDS: Record<DryRunStage["decision"], string> = {
  run: "would run",
  done: "already done, would be reused",
  reused: "would be reused",
  after: "would run if what it reads changes",
  held: "held",
};

/** The plan for people: a line per resource, per stage (and shard) with its decision, per input. */
export function dryRunLines(plan: readonly DryRunResource[], storageRoot: string): string[] {
  const count = (d: DryRunStage["decision"]) =>
    plan.filter((r) => r.execute).flatMap((r) => r.stages.filter((s) => s.decision === d)).length;
  const lines = [`mammoflow run --dry-run: ${plan.length} resource(s) under ${storageRoot}; nothing was started`];
  for (const resource of plan) {
    const notes = [
      ...(resource.origin ? [`from ${resource.origin}`] : []),
      ...(resource.execute ? [] : ["not run (--only): must be complete"]),
    ];
    lines.push(`${resource.resource}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`);
    for (const stage of resource.stages) {
      const why = stage.why ? ` (${stage.why})` : "";
      const word =
        !resource.execute && stage.decision === "run" ? "not complete: the run would stop here" : WORDS[stage.decision];
      lines.push(`  ${stage.stage}${stage.shard ? ` ${stage.shard}` : ""}: ${word}${why}`);
      for (const [name, input] of Object.entries(stage.inputs)) lines.push(`    ${name}: ${input}`);
    }
  }
  lines.push(
    `would run ${count("run")}, then up to ${count("after")} more; ${count("done") + count("reused")} would be reused; ${count("held")} held`,
  );
  return lines;
}
