// Identity by content where the operator can know it: a stage's termination message names its
// outputs (outputDigest), the status records it, and the requests of the resources reading those
// outputs name it, so outputs made again differently (a recheck that found a fixed file) re-run
// their readers, rechecked or not; the same outputs (a result that stood) change nothing.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../jobs/contract/canonical-json.ts";
import type { StageStatus } from "../../../operator/api/status.ts";
import { dependencyStageDigests } from "../../../operator/controllers/dependency-views.ts";
import type { CompactResult, StageObservation } from "../../../operator/pipeline/observation.ts";
import { linkInputDigests, stageDigest } from "../../../operator/pipeline/request-digest.ts";
import type { DependencyView } from "../../../operator/pipeline/stage-plan.ts";
import { decideStatus } from "../../../operator/pipeline/status.ts";
import { makePlan } from "../../support/operator-builders.ts";

const OUT_A = "a".repeat(64);
const OUT_B = "b".repeat(64);
const REQUEST = "c".repeat(64);
const EXPORT_DIR = "runs/ns/RoiDetectorTraining/det/export-onnx";

const succeeded = (results: CompactResult[]): StageObservation => ({
  phase: "Succeeded",
  shardsSucceeded: results.length,
  attempts: 0,
  runName: "job",
  results: results.map((result, shard) => ({ ...(results.length > 1 ? { shard } : {}), result })),
});
const shard = (outputDigest?: string): CompactResult => ({
  stage: "predict",
  outcome: "Succeeded",
  ...(outputDigest ? { outputDigest } : {}),
});
const statusOf = (observation: StageObservation, shards = 1) =>
  decideStatus({
    generation: 1,
    now: "2026-01-01T00:00:00.000Z",
    previous: undefined,
    plans: [makePlan("predict", "predict").shards(shards).obj()],
    observations: { predict: observation },
  }).status.stages?.[0];

describe("a stage's outputDigest", () => {
  it("is its result's, the shards' digest in shard order, or none when a result does not say", () => {
    expect(statusOf(succeeded([shard(OUT_A)]))?.outputDigest).toBe(OUT_A);
    expect(statusOf(succeeded([shard(OUT_A), shard(OUT_B)]), 2)?.outputDigest).toBe(
      sha256Hex(`0\t${OUT_A}\n1\t${OUT_B}\n`),
    );
    expect(statusOf(succeeded([shard(OUT_A), shard()]), 2)?.outputDigest).toBeUndefined();
    expect(statusOf(succeeded([shard()]))?.outputDigest).toBeUndefined();
  });
});

describe("the digests a reader's request names for its input resource's stages", () => {
  const exported = (extra: Partial<StageStatus> = {}): StageStatus => ({
    name: "export-onnx",
    phase: "Succeeded",
    shardsTotal: 1,
    shardsSucceeded: 1,
    attempts: 0,
    requestDigest: REQUEST,
    ...extra,
  });

  it("fold the outputs' digest into the request digest where the status records it", () => {
    expect(dependencyStageDigests([exported({ outputDigest: OUT_A })])).toEqual({
      "export-onnx": sha256Hex(`${REQUEST}\n${OUT_A}`),
    });
    // Older stage images record none: the request digest alone, as before.
    expect(dependencyStageDigests([exported()])).toEqual({ "export-onnx": REQUEST });
    expect(dependencyStageDigests([exported({ outputDigest: OUT_A, requestDigestAdopted: true })])).toEqual({});
  });

  it("make outputs made again differently a new request for the reader, the same outputs not", () => {
    const reader = makePlan("prepare-dataset", "prepare-dataset")
      .outputDir("runs/ns/ClassificationDataset/data/prepare-dataset")
      .input("detector", `${EXPORT_DIR}/model.onnx`)
      .obj();
    const digestWith = (outputDigest: string) => {
      const detector: DependencyView = {
        role: "detector",
        kind: "RoiDetectorTraining",
        name: "det",
        phase: "Succeeded",
        ready: true,
        stageDirs: { "export-onnx": EXPORT_DIR },
        stageDigests: dependencyStageDigests([exported({ outputDigest })]),
      };
      const [linked] = linkInputDigests([reader], [detector]);
      return linked ? stageDigest(linked) : "";
    };
    expect(digestWith(OUT_A)).toBe(digestWith(OUT_A));
    expect(digestWith(OUT_B)).not.toBe(digestWith(OUT_A));
  });
});
