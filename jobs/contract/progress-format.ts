import type { StageProgress } from "./progress.ts";

// The words and numbers of progress events, apart from their zod schema (progress.ts): a command
// that only shows progress (decode) loads no schema library.

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
