import { describe, expect, it } from "vitest";
import type { StageResult } from "../../../jobs/contract/result.ts";
import { type SummaryRun, skippedItems, skippedLines } from "../../../operator/executors/local/run-summary.ts";

const ROOT = "/data";

function run(
  resource: string,
  stage: StageResult["stage"],
  metrics: Record<string, number>,
  extra: { shard?: string; folder?: string; problems?: number; artifacts?: StageResult["artifacts"] } = {},
): SummaryRun {
  return {
    resource,
    stage,
    ...(extra.shard ? { shard: extra.shard } : {}),
    folder: extra.folder ?? `${ROOT}/runs/local/${resource}/${stage}`,
    result: {
      apiVersion: "mammoflow.io/stage/v1",
      stage,
      requestDigest: "0".repeat(64),
      outcome: "Succeeded",
      startedAt: "2026-01-01T00:00:00Z",
      finishedAt: "2026-01-01T00:00:01Z",
      artifacts: extra.artifacts ?? [],
      metrics,
      problems: Array.from({ length: extra.problems ?? 0 }, (_, i) => ({ item: `item${i}`, message: "bad" })),
    } as StageResult,
  };
}

describe("the run's summary of skipped and failed items", () => {
  it("counts each stage's own metric and names the file that lists the items", () => {
    const runs = [
      run(
        "RoiDetectorTraining/d",
        "roi-images",
        { images: 10, failed: 2 },
        {
          artifacts: [{ name: "failures", path: "runs/local/d/roi-images/failures.json" }],
        },
      ),
      run(
        "ClassificationDataset/c",
        "prepare-dataset",
        { errors: 3, failed: 1 },
        {
          artifacts: [{ name: "report", path: "runs/local/c/prepare-dataset/report.json" }],
        },
      ),
      run("ClassifierFold/f", "train-fold", { loss: 0.5 }),
      run("Submission/s", "predict", { images: 8, failedImages: 1 }, { shard: "shard 2/2", folder: "/data/p/1" }),
      run("Submission/s", "aggregate", { breasts: 4, failedImages: 1, missingBreasts: 0 }),
    ];
    expect(skippedItems(runs, ROOT)).toEqual([
      {
        resource: "RoiDetectorTraining/d",
        stage: "roi-images",
        count: 2,
        what: "labelled image(s) not decoded",
        listedIn: "/data/runs/local/d/roi-images/failures.json",
      },
      {
        resource: "ClassificationDataset/c",
        stage: "prepare-dataset",
        count: 3,
        what: "image(s) or label row(s) left out",
        listedIn: "/data/runs/local/c/prepare-dataset/report.json",
      },
      {
        resource: "Submission/s",
        stage: "predict",
        shard: "shard 2/2",
        count: 1,
        what: "test image(s) not scored",
        listedIn: "/data/p/1/result.json",
      },
    ]);
  });

  it("counts a prepare-dataset shard's failures only when no shard merged", () => {
    const merged = [
      run("ClassificationDataset/c", "prepare-dataset", { failed: 2 }, { shard: "shard 1/2" }),
      run("ClassificationDataset/c", "prepare-dataset", { failed: 1, errors: 4 }, { shard: "shard 2/2" }),
    ];
    expect(skippedItems(merged, ROOT).map((s) => [s.shard, s.count])).toEqual([["shard 2/2", 4]]);
    const unmerged = [run("ClassificationDataset/c", "prepare-dataset", { failed: 2 }, { shard: "shard 1/2" })];
    expect(skippedItems(unmerged, ROOT).map((s) => [s.shard, s.count])).toEqual([["shard 1/2", 2]]);
  });

  it("falls back on the result's problems for a stage without its own count", () => {
    const skipped = skippedItems([run("EngineBuild/e", "export-onnx", {}, { problems: 2 })], ROOT);
    expect(skipped).toEqual([
      {
        resource: "EngineBuild/e",
        stage: "export-onnx",
        count: 2,
        what: "item(s) skipped",
        listedIn: "/data/runs/local/EngineBuild/e/export-onnx/result.json",
      },
    ]);
  });

  it("prints nothing when every item went through, else the total and a line per stage", () => {
    expect(skippedLines([])).toEqual([]);
    const runs = [
      run("Submission/s", "predict", { failedImages: 2 }, { shard: "shard 1/1", folder: "/data/p/0" }),
      run("Submission/s", "aggregate", { missingBreasts: 1 }, { folder: "/data/a" }),
    ];
    expect(skippedLines(skippedItems(runs, ROOT))).toEqual([
      "3 item(s) skipped or failed; the run went on without them:",
      "  Submission/s predict (shard 1/1): 2 test image(s) not scored; listed in /data/p/0/result.json",
      "  Submission/s aggregate: 1 breast(s) with no scored image, written as 0; listed in /data/a/result.json",
    ]);
  });
});
