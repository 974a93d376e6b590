import { describe, expect, it } from "vitest";
import { rocAuc } from "../../../jobs/ts/metrics/roc-auc.ts";
import {
  areaUnder,
  averagePrecision,
  histogram,
  operatingPoint,
  prPoints,
  rocPoints,
  type ScoredLabel,
} from "../../../jobs/ts/report/curves.ts";

// Six breasts, three with cancer, one tie across the classes at 0.6:
//   score 0.9 0.8 0.7 0.6 0.6 0.2
//   label  1   0   1   0   1   0        P = 3, N = 3
// From the highest score down, cumulative (tp, fp) after each distinct score:
//   0.9 → (1, 0)   0.8 → (1, 1)   0.7 → (2, 1)   0.6 → (3, 2)   0.2 → (3, 3)
const items: ScoredLabel[] = [
  { score: 0.6, label: 0 },
  { score: 0.9, label: 1 },
  { score: 0.2, label: 0 },
  { score: 0.7, label: 1 },
  { score: 0.8, label: 0 },
  { score: 0.6, label: 1 },
];

describe("report curves", () => {
  it("ROC: (0, 0) then (fp/N, tp/P) per distinct score; AUC 13/18 by trapezoids and by Mann-Whitney", () => {
    expect(rocPoints(items)).toEqual([
      { fpr: 0, tpr: 0, threshold: Number.POSITIVE_INFINITY },
      { fpr: 0, tpr: 1 / 3, threshold: 0.9 },
      { fpr: 1 / 3, tpr: 1 / 3, threshold: 0.8 },
      { fpr: 1 / 3, tpr: 2 / 3, threshold: 0.7 },
      { fpr: 2 / 3, tpr: 1, threshold: 0.6 },
      { fpr: 1, tpr: 1, threshold: 0.2 },
    ]);
    // Trapezoids: 0 + (1/3)(1/3) + 0 + (1/3)(2/3 + 1)/2 + (1/3)(1) = 2/18 + 5/18 + 6/18 = 13/18.
    // Mann-Whitney over the 9 (cancer, no cancer) pairs: 0.9 beats 3, 0.7 beats 2, 0.6 beats 1 and
    // ties 1 (½): 6.5 / 9 = 13/18, which metrics/roc-auc.ts (the aggregate's AUC) also gives.
    expect(areaUnder(rocPoints(items))).toBeCloseTo(13 / 18, 15);
    expect(
      rocAuc(
        items.map((i) => i.label),
        items.map((i) => i.score),
      ),
    ).toBeCloseTo(13 / 18, 15);
  });

  it("PR: (recall 0, precision 1), then (tp/P, tp/(tp+fp)) per distinct score; AP 34/45", () => {
    expect(prPoints(items)).toEqual([
      { recall: 0, precision: 1, threshold: Number.POSITIVE_INFINITY },
      { recall: 1 / 3, precision: 1, threshold: 0.9 },
      { recall: 1 / 3, precision: 1 / 2, threshold: 0.8 },
      { recall: 2 / 3, precision: 2 / 3, threshold: 0.7 },
      { recall: 1, precision: 3 / 5, threshold: 0.6 },
      { recall: 1, precision: 1 / 2, threshold: 0.2 },
    ]);
    // Σ ΔR·P = (1/3)(1) + 0 + (1/3)(2/3) + (1/3)(3/5) + 0 = 15/45 + 10/45 + 9/45 = 34/45.
    expect(averagePrecision(prPoints(items))).toBeCloseTo(34 / 45, 15);
  });

  it("the operating point counts a breast positive strictly above the threshold", () => {
    // At 0.65: 0.9 (cancer), 0.8 (no), 0.7 (cancer) are positive → TP 2, FP 1; 0.6, 0.6, 0.2 negative.
    expect(operatingPoint(items, 0.65)).toEqual({
      tp: 2,
      fp: 1,
      tn: 2,
      fn: 1,
      tpr: 2 / 3,
      fpr: 1 / 3,
      precision: 2 / 3,
    });
    // At 0.6 the tied pair stays negative (0.6 > 0.6 is false): the same counts.
    expect(operatingPoint(items, 0.6)).toEqual(operatingPoint(items, 0.65));
    expect(operatingPoint(items, 0.95).precision).toBeNaN();
  });

  it("has no ROC without both classes and no PR without a cancer", () => {
    const negatives = items.filter((i) => i.label === 0);
    expect(rocPoints(negatives)).toEqual([]);
    expect(areaUnder([])).toBeNaN();
    expect(prPoints(negatives)).toEqual([]);
    expect(rocPoints(items.filter((i) => i.label === 1))).toEqual([]);
    expect(prPoints(items.filter((i) => i.label === 1)).at(-1)).toEqual({ recall: 1, precision: 1, threshold: 0.6 });
  });

  it("histogram: bins [i/k, (i+1)/k), 1 in the last, values on an edge in the bin above it", () => {
    // 5 bins of 0.2. Cancer: 0.9 → bin 4, 0.7 → 3, 0.6 → 3 (on the edge). No cancer: 0.8 → 4,
    // 0.6 → 3, 0.2 → 1 (on the edge).
    expect(histogram([0.9, 0.7, 0.6], 5)).toEqual([0, 0, 0, 2, 1]);
    expect(histogram([0.8, 0.6, 0.2], 5)).toEqual([0, 1, 0, 1, 1]);
    expect(histogram([0, 1, 0.19999, 1.5, -0.1], 5)).toEqual([3, 0, 0, 0, 2]);
    // Every score whose 2-decimal value sits on a 0.05 edge lands in the bin starting there.
    for (let k = 0; k < 20; k++) expect(histogram([k * 0.05], 20)[k], `score ${k * 0.05}`).toBe(1);
    expect(() => histogram([0.5], 0)).toThrow("histogram needs a whole number of bins, got 0");
  });
});
