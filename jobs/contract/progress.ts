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

/**
 * Rate and ETA of a count over time: units done since the first reading over the time since
 * then, so units a resumed run found done do not count as done in no time.
 */
export class ProgressMeter {
  private started?: { at: number; done: number };

  constructor(
    private readonly stage: string,
    private readonly unit: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The event for `done` of `total` units now, with the stage's own fields. */
  read(done: number, total?: number, fields: Partial<StageProgress> = {}): StageProgress {
    const at = this.now();
    this.started ??= { at, done };
    const seconds = (at - this.started.at) / 1000;
    const rate = seconds > 0 ? Math.max(0, done - this.started.done) / seconds : undefined;
    return {
      stage: this.stage,
      unit: this.unit,
      done,
      ...(total !== undefined ? { total } : {}),
      ...fields,
      ...(rate !== undefined ? { rate: Math.round(rate * 1000) / 1000 } : {}),
      ...(rate && total !== undefined ? { etaSeconds: Math.round(Math.max(0, total - done) / rate) } : {}),
    };
  }
}

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

/** 45s, 12m05s, 3h07m: an ETA as people read it. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Three significant figures at most, no exponent: 85.3, 0.421, 1234. */
function figure(value: number): string {
  if (value >= 100) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

/**
 * One line for people, the same in the local runner and the resource's status, e.g.
 * `predict: 1200/5000 images (24%), 85.3 images/s, ETA 45s` or
 * `train-fold: epoch 2/4, step 300/1000, loss 0.421, 12.5 steps/s, ETA 1h02m, val pF1 0.451`.
 */
export function progressSummary(event: StageProgress): string {
  const shard = event.shard ? ` shard ${event.shard.index + 1}/${event.shard.count}` : "";
  return `${event.stage}${shard}: ${progressDetails(event)}`;
}

/** The summary without the stage's name, for a display that names the stage already. */
export function progressDetails(event: StageProgress): string {
  const parts: string[] = [];
  if (event.epoch !== undefined) parts.push(`epoch ${event.epoch}${event.epochs ? `/${event.epochs}` : ""}`);
  if (event.step !== undefined) parts.push(`step ${event.step}${event.steps !== undefined ? `/${event.steps}` : ""}`);
  if (event.epoch === undefined && event.step === undefined) {
    const percent =
      event.total !== undefined && event.total > 0 ? ` (${Math.floor((100 * event.done) / event.total)}%)` : "";
    parts.push(`${event.done}${event.total !== undefined ? `/${event.total}` : ""} ${event.unit}${percent}`);
  }
  if (event.failed) parts.push(`${event.failed} failed`);
  if (event.loss !== undefined) parts.push(`loss ${figure(event.loss)}`);
  if (event.rate !== undefined) parts.push(`${figure(event.rate)} ${event.unit}/s`);
  if (event.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(event.etaSeconds)}`);
  if (event.pF1 !== undefined) parts.push(`val pF1 ${figure(event.pF1)}`);
  if (event.ap !== undefined) parts.push(`val AP ${figure(event.ap)}`);
  return parts.join(", ");
}
