import { z } from "zod";

/**
 * A long stage's progress, one event per JSON log line under the key `progress` (both
 * languages write the same shape: jobs/ts/runtime/progress.ts and
 * jobs/python/src/mammoflow_jobs/progress.py). The local runner shows the latest one live; on a
 * cluster the operator reads it from the pod's log into the resource's status. Counts are of
 * `unit` (images, steps, ...), `rate` is units per second over the stage's run so far.
 */
export const StageProgress = z
  .object({
    stage: z.string().min(1).describe("The stage's contract name, e.g. predict."),
    unit: z.string().min(1).describe("What is counted: images, steps, epochs."),
    done: z.int().min(0).describe("Units done so far."),
    total: z.int().min(0).optional().describe("Units in all, when known."),
    failed: z.int().min(0).optional().describe("Units that failed (counted in done)."),
    rate: z.number().min(0).optional().describe("Units per second since the stage started."),
    etaSeconds: z.number().min(0).optional().describe("Seconds left at that rate."),
    shard: z
      .object({ index: z.int().min(0), count: z.int().min(1) })
      .optional()
      .describe("The shard this process works on (index from 0)."),
    epoch: z.int().min(0).optional().describe("Training: the epoch under way, from 1."),
    epochs: z.int().min(1).optional().describe("Training: epochs in all."),
    step: z.int().min(0).optional().describe("Training: optimiser updates done in this epoch."),
    steps: z.int().min(0).optional().describe("Training: updates in this epoch."),
    loss: z.number().optional().describe("Training: mean loss since the last event."),
    pF1: z.number().optional().describe("Training: the latest validation probabilistic F1 (best-threshold)."),
    ap: z.number().optional().describe("Detector training: the latest validation COCO AP50:95."),
  })
  .describe("One progress event of a long stage.");
export type StageProgress = z.infer<typeof StageProgress>;

/** The key of a JSON log line that holds a progress event. */
export const PROGRESS_KEY = "progress";

/** The progress event of one log line, or undefined for any other line (plain text, other JSON). */
export function progressOfLine(line: string): StageProgress | undefined {
  const text = line.trim();
  if (!text.startsWith("{") || !text.includes(`"${PROGRESS_KEY}"`)) return undefined;
  try {
    const parsed = StageProgress.safeParse((JSON.parse(text) as Record<string, unknown>)[PROGRESS_KEY]);
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The last progress event among some log lines (a pod's log tail, a stage log file's end). */
export function lastProgress(text: string): StageProgress | undefined {
  const lines = text.split("\n");
  for (let i = lines.length - 1; i >= 0; i -= 1) {
    const event = progressOfLine(lines[i] as string);
    if (event) return event;
  }
  return undefined;
}

export { formatDuration, ProgressMeter, progressDetails, progressSummary } from "./progress-format.ts";
