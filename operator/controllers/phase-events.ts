import type { KubeObject } from "../kube/client.ts";
import type { ResourceStatus } from "../pipeline/status.ts";
import type { ControllerContext } from "./context.ts";

/**
 * Whether the resource turns Running because a stage of it started: a stage runs that did not
 * before. That start is told by status.stages[].startedAt, the Job's own Events and, when
 * `config.operator.events.stageStarts` is on, its StageStarted Event (stage-actions.ts); a
 * Running Event would only repeat it, and cost etcd one more write per start, which keeping the
 * StageStarted Event off saves.
 */
function runningByStart(previous: ResourceStatus | undefined, next: ResourceStatus): boolean {
  if (next.phase !== "Running") return false;
  const ranBefore = new Set((previous?.stages ?? []).filter((s) => s.phase === "Running").map((s) => s.name));
  return (next.stages ?? []).some((s) => s.phase === "Running" && s.jobName !== undefined && !ranBefore.has(s.name));
}

/**
 * One Event per phase transition, with the reason of the condition that explains it; but for a
 * change to Running by a stage's start (runningByStart), whether or not StageStarted Events are on.
 */
export function recordPhaseChange(
  context: ControllerContext,
  resource: KubeObject,
  previous: ResourceStatus | undefined,
  next: ResourceStatus,
): void {
  if (previous?.phase === next.phase || !next.phase || runningByStart(previous, next)) return;
  const explaining =
    next.conditions?.find((c) => c.type === next.phase) ?? next.conditions?.find((c) => c.type === "Ready");
  const message = explaining?.message || `phase ${next.phase}`;
  const type = next.phase === "Failed" ? "Warning" : "Normal";
  context.events.record(resource, type, next.phase, message);
}

/** Observes the duration of every stage that finished since the previous status. */
export function recordStageDurations(
  context: ControllerContext,
  previous: ResourceStatus | undefined,
  next: ResourceStatus,
): void {
  for (const stage of next.stages ?? []) {
    const before = previous?.stages?.find((s) => s.name === stage.name);
    const final = stage.phase === "Succeeded" || stage.phase === "Failed";
    if (!final || before?.phase === stage.phase || !stage.startedAt || !stage.finishedAt) continue;
    const seconds = (Date.parse(stage.finishedAt) - Date.parse(stage.startedAt)) / 1000;
    context.metrics.stageDuration.observe({ stage: stage.name, outcome: stage.phase }, seconds);
  }
}
