import { type Logger, pino } from "pino";
import { PROGRESS_KEY, ProgressMeter, progressSummary, type StageProgress } from "../../contract/progress.ts";

/**
 * The JSON log of a TypeScript stage (stderr: the pod's log, the local runner's stage.log):
 * pino lines with the same fields as the operator's and the Python stages' logs (`time` in ISO,
 * `level` by name, `msg`), without pid and host name, which the pod already tells.
 */
export function stageLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  return pino(
    {
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write },
  );
}

/** What a stage adds to an event beyond the counts (training fields, failures). */
export type ProgressFields = Omit<StageProgress, "stage" | "unit" | "done" | "total" | "rate" | "etaSeconds" | "shard">;

export interface ProgressOptions {
  stage: string;
  unit: string;
  total?: number;
  shard?: { index: number; count: number };
  /** Least time between two events; the last one (finish) is always written. */
  intervalMs?: number;
  now?: () => number;
  logger?: Logger;
}

/** One event every few seconds is live enough to watch and a few hundred lines a day in a log. */
export const PROGRESS_INTERVAL_MS = 5_000;

/**
 * Writes a long stage's progress events (jobs/contract/progress.ts) as JSON log lines, at most
 * one per interval plus the last: the first update is written at once, so a log shows the stage
 * counting from the start. Rate and ETA are over this process's run (units done since the
 * first update, over the time since then).
 */
export class ProgressReporter {
  private readonly now: () => number;
  private readonly interval: number;
  private readonly logger: Logger;
  private readonly meter: ProgressMeter;
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastDone = -1;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.interval = options.intervalMs ?? PROGRESS_INTERVAL_MS;
    this.logger = options.logger ?? stageLogger();
    this.meter = new ProgressMeter(options.stage, options.unit, this.now);
  }

  /** Counts `done` units; writes an event when the interval has passed since the last one. */
  update(done: number, fields: ProgressFields = {}): StageProgress | undefined {
    const event = this.meter.read(done, this.options.total, fields);
    if (this.now() - this.lastAt < this.interval) return undefined;
    return this.write(event);
  }

  /** Writes the last event (unless the last one written already says the same count). */
  finish(done: number, fields: ProgressFields = {}): StageProgress | undefined {
    const event = this.meter.read(done, this.options.total, fields);
    if (done === this.lastDone && Object.keys(fields).length === 0) return undefined;
    return this.write(event);
  }

  private write(reading: StageProgress): StageProgress {
    this.lastAt = this.now();
    this.lastDone = reading.done;
    const { shard } = this.options;
    const event: StageProgress = { ...reading, ...(shard ? { shard } : {}) };
    this.logger.info({ [PROGRESS_KEY]: event }, progressSummary(event));
    return event;
  }
}
