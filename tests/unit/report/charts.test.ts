import { describe, expect, it } from "vitest";
import { CHART_COLOURS, histogramChart, pathThrough, rocChart } from "../../../jobs/ts/report/charts.ts";
import { areaUnder, operatingPoint, rocPoints, type ScoredLabel } from "../../../jobs/ts/report/curves.ts";
import { prng } from "../../support/prng.ts";

describe("report charts", () => {
  it("draws the unit square into the plot: (0,0) bottom-left, (1,1) top-right, repeats dropped", () => {
    // Plot area: x from 42 to 288, y from 206 (value 0) up to 12 (value 1).
    expect(
      pathThrough([
        [0, 0],
        [0, 0],
        [0.5, 0.5],
        [1, 1],
      ]),
    ).toBe("M42 206L165 109L288 12");
  });

  it("keeps a 50,000-breast ROC path to a few thousand points (half-pixel grid, monotone)", () => {
    const next = prng(7);
    const items: ScoredLabel[] = Array.from({ length: 50_000 }, () => {
      const label = next() < 0.05 ? 1 : 0;
      return { score: next() * 0.8 + label * 0.2, label };
    });
    const points = rocPoints(items);
    expect(points.length).toBeGreaterThan(40_000);
    const segments = pathThrough(points.map((p) => [p.fpr, p.tpr])).split(/[ML]/).length - 1;
    // A monotone path visits at most 2 × (246 + 194) + 1 half-pixel positions.
    expect(segments).toBeLessThanOrEqual(2 * (246 + 194) + 1);
    const svg = rocChart(points, operatingPoint(items, 0.5), 0.5, areaUnder(points));
    expect(svg.length).toBeLessThan(20_000);
    expect(svg).toContain(`stroke="${CHART_COLOURS.roc}"`);
  });

  it("histogram bars are each label's share; the threshold line sits at its score", () => {
    const svg = histogramChart(
      [
        { name: "no cancer (4)", counts: [3, 1], colour: CHART_COLOURS.negative },
        { name: "cancer (1)", counts: [0, 1], colour: CHART_COLOURS.positive },
      ],
      0.25,
    );
    // Shares 0.75, 0.25 and 0, 1: the axis ends at 100 %; bars 0.75 and 1 of the 194 px plot.
    const heights = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="(\d+\.\d)" fill/g)].map(
      (m) => m[1],
    );
    expect(heights).toEqual(["145.5", "48.5", "194.0"]);
    expect(svg).toContain('<line class="threshold" x1="103.5"');
    expect(svg).toContain(">100%</text>");
  });
});
