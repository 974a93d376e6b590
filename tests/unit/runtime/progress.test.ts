import { describe, expect, it } from "vitest";
import {
  formatDuration,
  lastProgress,
  progressOfLine,
  progressSummary,
  StageProgress,
} from "../../../jobs/contract/index.ts";
import { ProgressReporter, stageLogger } from "../../../jobs/ts/runtime/index.ts";

/** A reporter on a fake clock whose JSON lines are collected. */
function reporting(options: { total?: number; shard?: { index: number; count: number } } = {}) {
  const lines: string[] = [];
  const clock = { now: 1_000_000 };
  const reporter = new ProgressReporter({
    stage: "predict",
    unit: "images",
    ...options,
    intervalMs: 5_000,
    now: () => clock.now,
    logger: stageLogger((line) => lines.push(line)),
  });
  return { reporter, clock, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("progress events of a TypeScript stage", () => {
  it("writes the first update at once, then at most one per interval, with rate and ETA over the run", () => {
    const { reporter, clock, parsed } = reporting({ total: 100 });
    expect(reporter.update(0)).toEqual({ stage: "predict", unit: "images", done: 0, total: 100 });
    clock.now += 4_000;
    expect(reporter.update(30)).toBeUndefined();
    clock.now += 1_000;
    expect(reporter.update(40, { failed: 2 })).toEqual({
      stage: "predict",
      unit: "images",
      done: 40,
      total: 100,
      failed: 2,
      rate: 8,
      etaSeconds: 8,
    });
    clock.now += 2_500;
    expect(reporter.finish(60, { failed: 2 })).toMatchObject({ done: 60, rate: 8, etaSeconds: 5 });
    expect(reporter.finish(60)).toBeUndefined();
    const lines = parsed();
    expect(lines).toHaveLength(3);
    expect(Object.keys(lines[1] as object).sort()).toEqual(["level", "msg", "progress", "time"]);
    expect(lines[1]).toMatchObject({
      level: "info",
      msg: "predict: 40/100 images (40%), 2 failed, 8 images/s, ETA 8s",
    });
    expect(new Date(lines[1]?.time as string).toISOString()).toBe(lines[1]?.time);
    for (const line of lines) expect(StageProgress.parse(line.progress)).toEqual(line.progress);
  });

  it("names the shard of a sharded stage", () => {
    const { reporter, clock } = reporting({ total: 9, shard: { index: 1, count: 4 } });
    reporter.update(0);
    clock.now += 3_000;
    const last = reporter.finish(9) as StageProgress;
    expect(last).toEqual({
      stage: "predict",
      unit: "images",
      done: 9,
      total: 9,
      rate: 3,
      etaSeconds: 0,
      shard: { index: 1, count: 4 },
    });
    expect(progressSummary(last)).toBe("predict shard 2/4: 9/9 images (100%), 3 images/s, ETA 0s");
  });

  it("finds the latest event among plain and JSON log lines", () => {
    const { reporter, clock, lines } = reporting({ total: 10 });
    reporter.update(0);
    clock.now += 10_000;
    reporter.update(5);
    const log = [
      "$ node bin/mammoflow.js stage predict --request x",
      ...lines.map((l) => l.trimEnd()),
      '{"level":"info","msg":"no event here"}',
      '{"progress":{"stage":"predict"}}',
      "plain text line",
      "",
    ].join("\n");
    expect(lastProgress(log)).toEqual({
      stage: "predict",
      unit: "images",
      done: 5,
      total: 10,
      rate: 0.5,
      etaSeconds: 10,
    });
    expect(progressOfLine('{"progress": {oops')).toBeUndefined();
    expect(lastProgress("nothing\nat all")).toBeUndefined();
  });
});

describe("progress summaries", () => {
  it("reads as the issue asks: counts, rate, ETA; epoch, step, loss and pF1 when training", () => {
    expect(
      progressSummary({ stage: "predict", unit: "images", done: 1200, total: 5000, rate: 85.333, etaSeconds: 45 }),
    ).toBe("predict: 1200/5000 images (24%), 85.3 images/s, ETA 45s");
    expect(
      progressSummary({
        stage: "train-fold",
        unit: "steps",
        done: 1300,
        total: 4000,
        epoch: 2,
        epochs: 4,
        step: 300,
        steps: 1000,
        loss: 0.42134,
        rate: 12.5,
        etaSeconds: 3720,
        pF1: 0.45123,
      }),
    ).toBe("train-fold: epoch 2/4, step 300/1000, loss 0.421, 12.5 steps/s, ETA 1h02m, val pF1 0.451");
    expect(progressSummary({ stage: "train-detector", unit: "steps", done: 5, epoch: 1, step: 5, ap: 0.1234 })).toBe(
      "train-detector: epoch 1, step 5, val AP 0.123",
    );
    expect([0, 59.4, 60, 725, 3600, 11220].map(formatDuration)).toEqual([
      "0s",
      "59s",
      "1m00s",
      "12m05s",
      "1h00m",
      "3h07m",
    ]);
  });
});
