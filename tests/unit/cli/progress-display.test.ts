import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BarProgress, PlainProgress, progressDisplay } from "../../../cli/progress-display.ts";
import type { StageProgress } from "../../../jobs/contract/index.ts";

const event = (done: number, extra: Partial<StageProgress> = {}): StageProgress => ({
  stage: "predict",
  unit: "images",
  done,
  total: 100,
  ...extra,
});

/** A terminal-like stream that keeps what is written to it. */
function terminal() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, columns: 160 });
  return { stream, text: () => chunks.join("") };
}

describe("the local runner's progress display", () => {
  it("prints plain lines: the first event at once, then one per interval, the last when the stage ends", () => {
    const lines: string[] = [];
    const clock = { now: 0 };
    const display = new PlainProgress(
      (line) => lines.push(line),
      30_000,
      () => clock.now,
    );
    display.start("[2/5] Submission/demo predict");
    display.update(event(0));
    clock.now = 10_000;
    display.update(event(10, { rate: 1, etaSeconds: 90 }));
    clock.now = 31_000;
    display.update(event(31, { rate: 1, etaSeconds: 69 }));
    clock.now = 40_000;
    display.update(event(40, { rate: 1, etaSeconds: 60 }));
    display.stop();
    display.start("[3/5] Submission/demo aggregate");
    display.stop();
    expect(lines).toEqual([
      "[2/5] Submission/demo predict: 0/100 images (0%)",
      "[2/5] Submission/demo predict: 31/100 images (31%), 1 images/s, ETA 1m09s",
      "[2/5] Submission/demo predict: 40/100 images (40%), 1 images/s, ETA 1m00s",
    ]);
  });

  it("draws a cli-progress bar on a terminal and leaves the last event as a line", async () => {
    const { stream, text } = terminal();
    const lines: string[] = [];
    const display = await progressDisplay(stream, (line) => lines.push(line));
    expect(display).toBeInstanceOf(BarProgress);
    display.start("[1/1] Submission/demo predict");
    display.update(event(50, { rate: 12.5, etaSeconds: 4 }));
    expect(text()).toContain(
      "[1/1] Submission/demo predict [████████████░░░░░░░░░░░░] 50/100 images (50%), 12.5 images/s, ETA 4s",
    );
    display.stop();
    expect(lines).toEqual(["[1/1] Submission/demo predict: 50/100 images (50%), 12.5 images/s, ETA 4s"]);
  });

  it("prints plain lines where the stream is not a terminal", async () => {
    const { stream } = terminal();
    Object.assign(stream, { isTTY: false });
    expect(await progressDisplay(stream, () => {})).toBeInstanceOf(PlainProgress);
  });
});
