import { describe, expect, it } from "vitest";
import { StageContext } from "../../../jobs/ts/runtime/index.ts";
import { makeStageRequest } from "../../support/stage-request-builder.ts";

const aggregateRequest = () =>
  makeStageRequest("aggregate")
    .input("predictions", "runs/predict")
    .input("csv", "test.csv")
    .parameters({ aggregation: { threshold: 0.5 } })
    .outputDir("runs/aggregate")
    .obj();

describe("a stage program's context is typed by its catalogue entry", () => {
  it("names only the inputs the stage declares", async () => {
    const context = StageContext.of("aggregate", aggregateRequest(), "/storage");
    expect(context.request.inputs.predictions).toBe("runs/predict");
    expect(context.request.inputs.labels).toBeUndefined();
    // @ts-expect-error aggregate declares no input 'labelz'
    expect(context.request.inputs.labelz).toBeUndefined();
    // @ts-expect-error nor may it ask for one
    await expect(context.inputPath("labelz")).rejects.toThrow("request has no input named 'labelz'");
  });

  it("reads the parameters fully defaulted by the stage's schema", () => {
    expect(StageContext.of("aggregate", aggregateRequest(), "/storage").parameters()).toEqual({
      aggregation: { threshold: 0.5, autoThreshold: false, autoThresholdQuantile: 0.97935, breastReduction: "Mean" },
      shards: 1,
    });
  });

  it("refuses a request of another stage, and parameters its schema refuses, as BadRequest", () => {
    expect(() => StageContext.of("predict", aggregateRequest(), "/storage")).toThrow(
      "the request is for stage 'aggregate', not 'predict'",
    );
    const bad = StageContext.of(
      "aggregate",
      makeStageRequest("aggregate")
        .parameters({ aggregation: { threshold: 2 } })
        .obj(),
      "/storage",
    );
    expect(() => bad.parameters()).toThrow(
      expect.objectContaining({
        reason: "BadRequest",
        message:
          "aggregate parameters are invalid:\n✖ Too big: expected number to be <=1\n  → at aggregation.threshold",
      }),
    );
  });
});
