import { describe, expect, it } from "vitest";
import { parseTerminationMessage } from "../../../operator/executors/kubernetes/observe.ts";
import type { CompactResult, StageObservation } from "../../../operator/pipeline/observation.ts";
import { decideStatus } from "../../../operator/pipeline/status.ts";
import { makePlan } from "../../support/operator-builders.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const predict = makePlan("predict", "predict").shards(2).outputDir("runs/ns/Submission/again/predict").obj();

const finished = (results: CompactResult[]): StageObservation => ({
  phase: "Succeeded",
  shardsSucceeded: results.length,
  attempts: 0,
  runName: "job",
  results: results.map((result, shard) => ({ shard, result })),
});
const shard = (reusedFrom?: string): CompactResult => ({
  stage: "predict",
  outcome: "Succeeded",
  ...(reusedFrom ? { reusedFrom } : {}),
});
const messageOf = (observation: StageObservation) =>
  decideStatus({
    generation: 1,
    now: T0,
    previous: undefined,
    plans: [predict],
    observations: { predict: observation },
  }).status.stages?.[0]?.message;

// The stage runtime copies the result of the same work another resource did (the storage's result
// cache) and its termination message says whose; the stage's status carries it to kubectl.
describe("a stage whose result was reused from another resource", () => {
  it("keeps reusedFrom from the termination message", () => {
    const message = JSON.stringify({ ...shard("Submission/demo/predict/0"), truncated: false });
    expect(parseTerminationMessage(message)?.reusedFrom).toBe("Submission/demo/predict/0");
  });

  it("says so in the stage's status, for every shard or for how many", () => {
    expect(messageOf(finished([shard("Submission/demo/predict/0"), shard("Submission/demo/predict/1")]))).toBe(
      "reused from Submission/demo/predict/0, Submission/demo/predict/1 (every shard)",
    );
    expect(messageOf(finished([shard("Submission/demo/predict/0"), shard()]))).toBe(
      "reused from Submission/demo/predict/0 (1 of 2 shards)",
    );
    expect(messageOf(finished([shard(), shard()]))).toBeUndefined();
  });
});
