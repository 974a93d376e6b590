import { describe, expect, it } from "vitest";
import { Aggregation } from "../../../jobs/contract/parameters/submission.ts";
import { bestThreshold } from "../../../jobs/ts/metrics/best-threshold.ts";
import { pfbeta } from "../../../jobs/ts/metrics/pfbeta.ts";
import { rocAuc } from "../../../jobs/ts/metrics/roc-auc.ts";
import { foldMean } from "../../../jobs/ts/submit/aggregate.ts";
import { buildSubmission } from "../../../jobs/ts/submit/submission.ts";
import { prng } from "../../support/prng.ts";
import { scratchDir, seedReference } from "./support.ts";

/** Image-level fold probabilities for `patients` patients with 1–4 images per breast, some NaN. */
function syntheticProbabilities(seed: number, patients: number) {
  const random = prng(seed);
  const ids: string[] = [];
  const probabilities: number[][] = [];
  for (let p = 0; p < patients; p++) {
    for (const side of ["L", "R"]) {
      const images = 1 + Math.floor(random() * 4);
      for (let i = 0; i < images; i++) {
        ids.push(`${10_000 + p * 7}_${side}`);
        probabilities.push(
          Array.from({ length: 4 }, () => (random() < 0.01 ? Number.NaN : Math.fround(random() ** 3))),
        );
      }
    }
  }
  return { ids, probabilities };
}

describe("P9 aggregation: fold mean, breast mean, threshold, CSV", () => {
  for (const [name, options] of [
    ["fixed threshold 0.31", { threshold: 0.31, auto: false }],
    ["percentile rule 0.97935", { threshold: 0.31, auto: true }],
  ] as const) {
    it(`matches NumPy/pandas (${name})`, async () => {
      const { ids, probabilities } = syntheticProbabilities(name.length, 150);
      const reference = await seedReference<{
        imageMeans: number[];
        ids: string[];
        probabilities: number[];
        cancer: number[];
        threshold: number;
      }>(await scratchDir(), {
        op: "aggregate",
        probabilities: probabilities.map((row) => row.map((v) => (Number.isNaN(v) ? null : v))),
        predictionIds: ids,
        threshold: options.threshold,
        auto: options.auto,
        quantile: 0.97935,
      });
      const means = probabilities.map((row) => foldMean(row));
      // The fold mean is the seed's float32 NumPy mean, bit for bit.
      expect(means).toEqual(reference.imageMeans);
      const rows = ids.map((predictionId, i) => ({
        imageId: String(i),
        patientId: "",
        laterality: "",
        predictionId,
        roi: "yolox" as const,
        mean: means[i] as number,
      }));
      const submission = buildSubmission(
        rows,
        Aggregation.parse({ threshold: options.threshold, autoThreshold: options.auto }),
      );
      expect(submission.breasts.map((b) => b.predictionId)).toEqual(reference.ids);
      for (const [i, b] of submission.breasts.entries()) {
        expect(Math.abs(b.probability - (reference.probabilities[i] as number))).toBeLessThanOrEqual(1e-6);
      }
      expect(Math.abs(submission.threshold - reference.threshold)).toBeLessThanOrEqual(1e-6);
      const lines = submission.csv.trimEnd().split("\n");
      expect(lines[0]).toBe("prediction_id,cancer");
      expect(lines.slice(1)).toEqual(reference.ids.map((id, i) => `${id},${reference.cancer[i]}`));
      if (options.auto)
        expect(reference.cancer.filter((c) => c === 1).length).toBe(Math.ceil(reference.ids.length * (1 - 0.97935)));
    }, 120_000);
  }
});

describe("T1 metrics: pF1, best-threshold F1, ROC AUC vs the seed's formulas (jobs/python) and sklearn", () => {
  it("agree within 1e-12 on random, tied and degenerate inputs", async () => {
    const random = prng(7);
    const cases: { labels: number[]; predictions: number[] }[] = [];
    for (const n of [10, 57, 400]) {
      const labels = Array.from({ length: n }, () => (random() < 0.2 ? 1 : 0));
      labels[0] = 1;
      labels[1] = 0;
      cases.push({ labels, predictions: labels.map((y) => Math.min(1, random() * 0.6 + y * 0.3)) });
      // Coarse scores: many ties, for AUC's diagonal steps and equal F1 at several thresholds.
      cases.push({ labels, predictions: labels.map(() => Math.round(random() * 10) / 10) });
    }
    cases.push({ labels: [1, 0, 0, 1], predictions: [0, 0, 0, 0] });
    cases.push({ labels: [1, 0, 1, 0], predictions: [1.5, -0.2, 0.7, 0.31] });
    const reference = await seedReference<{ pF1: number; bestF1: number; bestThreshold: number; auc: number }[]>(
      await scratchDir(),
      { op: "metrics", cases },
    );
    for (const [i, c] of cases.entries()) {
      const ref = reference[i] as (typeof reference)[number];
      expect(Math.abs(pfbeta(c.labels, c.predictions) - ref.pF1), `case ${i}`).toBeLessThanOrEqual(1e-12);
      const best = bestThreshold(c.labels, c.predictions);
      expect(best.threshold, `case ${i}`).toBe(ref.bestThreshold);
      expect(Math.abs(best.f1 - ref.bestF1)).toBeLessThanOrEqual(1e-12);
      expect(Math.abs(rocAuc(c.labels, c.predictions) - ref.auc), `case ${i}`).toBeLessThanOrEqual(1e-12);
    }
  }, 120_000);
});
