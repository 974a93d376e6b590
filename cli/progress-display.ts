import type { SingleBar } from "cli-progress";
import type { StageProgress } from "../jobs/contract/progress.ts";
import { ProgressMeter, progressDetails } from "../jobs/contract/progress-format.ts";
import type { ProgressDisplay } from "../operator/executors/local/index.ts";

/** A plain line at most this often: a CI log or a file gets a heartbeat, not a line per event. */
export const PLAIN_INTERVAL_MS = 30_000;

/**
 * Progress as plain lines (`[2/5] Submission/demo predict: 40/100 images (40%), ...`) for a
 * stream that is not a terminal: the first event of a stage at once, then at most one line per
 * interval, and the last event when the stage ends if it was not printed yet.
 */
export class PlainProgress implements ProgressDisplay {
  private label = "";
  private lastAt = Number.NEGATIVE_INFINITY;
  private pending?: StageProgress;

  constructor(
    private readonly print: (line: string) => void,
    private readonly intervalMs = PLAIN_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  start(label: string): void {
    this.label = label;
    this.lastAt = Number.NEGATIVE_INFINITY;
    this.pending = undefined;
  }

  update(event: StageProgress): void {
    const at = this.now();
    if (at - this.lastAt < this.intervalMs) {
      this.pending = event;
      return;
    }
    this.lastAt = at;
    this.pending = undefined;
    this.print(`${this.label}: ${progressDetails(event)}`);
  }

  stop(): void {
    if (this.pending) this.print(`${this.label}: ${progressDetails(this.pending)}`);
    this.pending = undefined;
  }
}

/**
 * A live bar on a terminal (cli-progress): the stage's label, the bar of done/total and the
 * stage's own words (rate, ETA, loss, pF1). It is cleared when the stage ends, and the last event
 * stays as one plain line above the runner's "done" line.
 */
export class BarProgress implements ProgressDisplay {
  private bar?: SingleBar;
  private label = "";
  private last?: StageProgress;

  constructor(
    private readonly create: () => SingleBar,
    private readonly print: (line: string) => void,
  ) {}

  start(label: string): void {
    this.label = label;
    this.last = undefined;
  }

  update(event: StageProgress): void {
    const payload = { label: this.label, details: progressDetails(event) };
    const total = event.total ?? 0;
    if (!this.bar) {
      this.bar = this.create();
      this.bar.start(total, event.done, payload);
    } else {
      this.bar.setTotal(total);
      this.bar.update(event.done, payload);
    }
    this.last = event;
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    if (this.last) this.print(`${this.label}: ${progressDetails(this.last)}`);
    this.last = undefined;
  }
}

/** The display for `mammoflow run`: a bar when `stream` is a terminal, periodic lines otherwise. */
export async function progressDisplay(
  stream: NodeJS.WriteStream,
  print: (line: string) => void,
): Promise<ProgressDisplay> {
  if (!stream.isTTY) return new PlainProgress(print);
  // Loaded only for a terminal: a run in CI or under a pipe never needs it.
  const { SingleBar } = (await import("cli-progress")).default;
  return new BarProgress(
    () =>
      new SingleBar({
        stream,
        format: "{label} [{bar}] {details}",
        barsize: 24,
        barCompleteChar: "\u2588",
        barIncompleteChar: "\u2591",
        hideCursor: true,
        clearOnComplete: true,
        // The stage writes an event every few seconds; redraw no oftener than that needs.
        fps: 2,
      }),
    print,
  );
}

/** Progress of a command that counts items (images done of total, failed). */
export interface CountProgress {
  update: (done: number, total: number, failed: number) => void;
  /** Clears the bar (or prints the pending line); safe to call twice. */
  end: () => void;
}

/**
 * A command's own progress on `stream` (predict, decode): items done/total, failed, items/s and
 * ETA, as a cli-progress bar on a terminal and as a line every 30 s (first and last always)
 * elsewhere, like the local runner's stages.
 */
export async function countProgress(
  stage: string,
  unit: string,
  stream: NodeJS.WriteStream = process.stderr,
): Promise<CountProgress> {
  const meter = new ProgressMeter(stage, unit);
  const display = await progressDisplay(stream, (line) => stream.write(`${line}\n`));
  display.start(stage);
  let ended = false;
  return {
    update: (done, total, failed) => display.update(meter.read(done, total, failed > 0 ? { failed } : {})),
    end: () => {
      if (!ended) display.stop();
      ended = true;
    },
  };
}
