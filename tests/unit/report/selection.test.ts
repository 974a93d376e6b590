import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, selectBreasts } from "../../../jobs/ts/report/selection.ts";

describe("report selection", () => {
  const breast = (predictionId: string, probability: number, label?: 0 | 1) => ({
    predictionId,
    probability,
    decision: (probability > 0.5 ? 1 : 0) as 0 | 1,
    ...(label === undefined ? {} : { label }),
  });

  it("shows a small set whole, highest score first (ties by id)", () => {
    const selection = selectBreasts([breast("b", 0.2, 0), breast("a", 0.2, 1), breast("c", 0.9, 0)], DEFAULT_LIMITS);
    expect(selection.bounded).toBe(false);
    expect(selection.groups.map((g) => [g.id, g.breasts.map((b) => b.predictionId)])).toEqual([
      ["all", ["c", "a", "b"]],
    ]);
  });

  it("bounds a large set: worst mistakes, then a sample of the others; without labels, the highest scores", () => {
    // Limits 4/1/2: missed cancers 0.1 (x1) and 0.3 (x2), false alarms 0.9 (y1) and 0.7 (y2).
    const breasts = [
      breast("x1", 0.1, 1),
      breast("x2", 0.3, 1),
      breast("y1", 0.9, 0),
      breast("y2", 0.7, 0),
      breast("t1", 0.8, 1),
      breast("n1", 0.2, 0),
      breast("n2", 0.4, 0),
    ];
    const limits = { showAllUpTo: 4, worst: 1, sample: 2 };
    const selection = selectBreasts(breasts, limits);
    expect(selection.bounded).toBe(true);
    const groups = selection.groups.map((g) => [g.id, g.title, g.breasts.map((b) => b.predictionId)]);
    expect(groups.slice(0, 2)).toEqual([
      ["false-negatives", "Worst 1 false negatives (lowest scores)", ["x1"]],
      ["false-positives", "Worst 1 false positives (highest scores)", ["y1"]],
    ]);
    const sample = selection.groups[2];
    expect(sample?.title).toBe("A sample of 2 of the other 5 breasts");
    expect(sample?.breasts).toHaveLength(2);
    // The same sample in any input order.
    expect(selectBreasts([...breasts].reverse(), limits).groups[2]?.breasts).toEqual(sample?.breasts);
    const unlabelled = selectBreasts(
      breasts.map(({ label: _, ...b }) => b),
      limits,
    );
    expect(unlabelled.groups.map((g) => g.id)).toEqual(["highest", "sample"]);
    expect(unlabelled.groups[0]?.breasts.map((b) => b.predictionId)).toEqual(["y1"]);
  });
});
