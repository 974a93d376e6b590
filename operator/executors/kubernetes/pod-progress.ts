import type { V1Pod } from "@kubernetes/client-node";
import { progressSummary, type StageProgress } from "../../../jobs/contract/progress.ts";
import { STAGE_CONTAINER } from "./job.ts";

/**
 * How the operator reads a running stage's progress from its pod (GET pods/NAME/log): the stage
 * container's last lines, at most 64 KiB. The stages write an event every few seconds, so the
 * latest one is in the tail unless the stage logged 50 other lines since.
 */
export const PROGRESS_LOG_QUERY = { container: STAGE_CONTAINER, tailLines: 50, limitBytes: 65_536 };

/** What a status message holds of progress at most. */
const PROGRESS_TEXT_LIMIT = 1024;

/**
 * The pods whose stage container runs now: a pod that is still pulling its image, waiting for a
 * node or already finished has no progress to read (and its node may not answer).
 */
export function podsWithRunningStage(pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter(
    (pod) =>
      !pod.metadata?.deletionTimestamp &&
      pod.status?.phase === "Running" &&
      pod.status.containerStatuses?.some((c) => c.name === STAGE_CONTAINER && c.state?.running !== undefined),
  );
}

/**
 * The words of a stage's progress from the latest event of each running pod: one pod says it
 * as it is; the shards of a sharded stage add up (done, total, rate) and the stage ends with its
 * slowest shard (the largest ETA).
 */
export function stageProgressText(events: readonly StageProgress[]): string | undefined {
  const [first] = events;
  if (!first) return undefined;
  if (events.length === 1) return progressSummary(first).slice(0, PROGRESS_TEXT_LIMIT);
  const all = <K extends keyof StageProgress>(key: K) => events.every((e) => e[key] !== undefined);
  const sum = (key: "total" | "rate" | "failed") => events.reduce((n, e) => n + (e[key] ?? 0), 0);
  const combined: StageProgress = {
    stage: first.stage,
    unit: first.unit,
    done: events.reduce((n, e) => n + e.done, 0),
    ...(all("total") ? { total: sum("total") } : {}),
    ...(sum("failed") > 0 ? { failed: sum("failed") } : {}),
    ...(all("rate") ? { rate: Math.round(sum("rate") * 1000) / 1000 } : {}),
    ...(all("etaSeconds") ? { etaSeconds: Math.max(...events.map((e) => e.etaSeconds as number)) } : {}),
  };
  return `${progressSummary(combined)} (${events.length} shards running)`.slice(0, PROGRESS_TEXT_LIMIT);
}
