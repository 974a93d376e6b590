import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { progressOfLine } from "../../../jobs/contract/progress.ts";
import { StageContext } from "../../../jobs/ts/runtime/index.ts";
import { aggregateStage } from "../../../jobs/ts/submit/stages.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";

describe("the aggregate stage's progress", () => {
  let storage: string;
  beforeAll(async () => {
    storage = await mkdtemp(path.join(tmpdir(), "mammoflow-aggregate-"));
    for (const shard of [0, 1, 2]) {
      const dir = path.join(storage, "runs/predict", String(shard));
      await mkdir(dir, { recursive: true });
      const id = String(1000 + shard);
      await writeFile(
        path.join(dir, "probabilities.csv"),
        `image_id,prediction_id,x0,y0,x1,y1,roi,fold_0,mean,error\n${id},7_L,0,0,10,10,yolox,0.25,0.25,\n`,
      );
    }
  });
  afterAll(() => rm(storage, { recursive: true, force: true }));

  it("logs shards read of all as JSON progress events, first and last included", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const context = StageContext.of(
        "aggregate",
        makeStageRequest("aggregate")
          .owner("Submission", "progress")
          .input("predictions", "runs/predict")
          .inputDigest("predictions", "d".repeat(64))
          .parameters({ shards: 3 })
          .outputDir("runs/aggregate")
          .obj(),
        storage,
        "c".repeat(64),
      );
      await mkdir(path.join(storage, "runs/aggregate"), { recursive: true });
      await aggregateStage(context);
      expect(context.metrics.breasts).toBe(1);
    } finally {
      spy.mockRestore();
    }
    const events = lines.map(progressOfLine).filter((e) => e !== undefined);
    // The first event at once (0 of 3), then nothing within the 5 s interval, then the last.
    expect(events.map((e) => [e.stage, e.unit, e.done, e.total])).toEqual([
      ["aggregate", "shards", 0, 3],
      ["aggregate", "shards", 3, 3],
    ]);
  });
});
