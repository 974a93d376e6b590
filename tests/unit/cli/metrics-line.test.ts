import { describe, expect, it } from "vitest";
import { metricsLine } from "../../../cli/metrics-line.ts";

describe("the run's closing metrics line", () => {
  it("names the AUC, the pF1 at the threshold and the breast count", () => {
    expect(metricsLine({ threshold: 0.31, breasts: 8, pF1: 0.8, auc: 0.9375, f1: 0.8 })).toBe(
      "scored against the labels (8 breasts): ROC AUC 0.938, pF1 0.800 at threshold 0.31",
    );
  });

  it("is absent without an AUC (no labels, or labels of one class)", () => {
    expect(metricsLine({ threshold: 0.31, breasts: 8 })).toBeUndefined();
    expect(metricsLine({ auc: Number.NaN })).toBeUndefined();
    expect(metricsLine(undefined)).toBeUndefined();
  });

  it("leaves out what the stage did not report", () => {
    expect(metricsLine({ auc: 1 })).toBe("scored against the labels: ROC AUC 1.000");
  });
});
