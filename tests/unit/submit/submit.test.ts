import { describe, expect, it } from "vitest";
import { Aggregation } from "../../../jobs/contract/parameters/submission.ts";
import { bestThreshold, THRESHOLD_GRID } from "../../../jobs/ts/metrics/best-threshold.ts";
import { pfbeta } from "../../../jobs/ts/metrics/pfbeta.ts";
import { rocAuc } from "../../../jobs/ts/metrics/roc-auc.ts";
import { breastProbabilities, foldMean, quantileLinear } from "../../../jobs/ts/submit/aggregate.ts";
import { CsvError, formatCsv, parseCsv } from "../../../jobs/ts/submit/csv.ts";
import { breastLabelsFromCsv } from "../../../jobs/ts/submit/labels.ts";
import {
  type ProbabilityRow,
  probabilitiesCsv,
  readProbabilitiesCsv,
} from "../../../jobs/ts/submit/probabilities-file.ts";
import { buildSubmission } from "../../../jobs/ts/submit/submission.ts";
import { shardOf, testImagesFromCsv } from "../../../jobs/ts/submit/test-set.ts";

const row = (predictionId: string, mean?: number, error?: string): ProbabilityRow => ({
  imageId: `${predictionId}-${mean}`,
  patientId: "",
  laterality: "",
  predictionId,
  roi: "yolox",
  ...(mean === undefined ? {} : { mean }),
  ...(error === undefined ? {} : { error }),
});

describe("test.csv", () => {
  it("derives prediction_id = patient_id_laterality unless given, and quotes survive", () => {
    const text =
      'site_id,patient_id,image_id,laterality,prediction_id\r\n1,10008,"736471439",L,\r\n2,10008,1591370361,R,custom\r\n';
    expect(testImagesFromCsv(text, "test.csv")).toEqual([
      { patientId: "10008", imageId: "736471439", laterality: "L", predictionId: "10008_L" },
      { patientId: "10008", imageId: "1591370361", laterality: "R", predictionId: "custom" },
    ]);
  });

  it("names the file and the problem", () => {
    expect(() => testImagesFromCsv("patient_id,image_id\n1,2\n", "t.csv")).toThrow(
      "t.csv: missing column(s) laterality (has patient_id, image_id)",
    );
    expect(() => parseCsv("a,b\n1\n", "x.csv")).toThrow(CsvError);
    expect(() => parseCsv('a\n"open\n', "x.csv")).toThrow(/unterminated/);
  });

  it("shards into contiguous blocks that cover every row once", () => {
    const rows = Array.from({ length: 10 }, (_, i) => i);
    const shards = [0, 1, 2].map((i) => shardOf(rows, i, 3));
    expect(shards).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8, 9],
    ]);
    expect(() => shardOf(rows, 3, 3)).toThrow(/shard 3 of 3/);
  });
});

describe("aggregation", () => {
  it("fold mean in float32 with NaN as 0", () => {
    const f32 = Math.fround;
    const folds = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
    const sum = f32(
      f32(f32((folds[0] as number) + (folds[1] as number)) + (folds[2] as number)) + (folds[3] as number),
    );
    expect(foldMean(folds)).toBe(f32(sum / 4));
    expect(foldMean([Number.NaN, 1, 1, 1])).toBe(0.75);
  });

  it("breast mean over all views (or max), sorted by prediction_id", () => {
    const images = [
      { predictionId: "2_R", probability: 0.5 },
      { predictionId: "10_L", probability: 0.2 },
      { predictionId: "2_R", probability: 0.1 },
    ];
    expect(breastProbabilities(images, "Mean")).toEqual([
      { predictionId: "10_L", probability: 0.2, images: 1 },
      { predictionId: "2_R", probability: 0.3, images: 2 },
    ]);
    expect(breastProbabilities(images, "Max").map((b) => b.probability)).toEqual([0.2, 0.5]);
  });

  it("is positive only strictly above the threshold; failed images are skipped; lost breasts are 0 and reported", () => {
    const rows = [
      row("1_L", 0.31),
      row("1_R", 0.3100001),
      row("2_L", 0.9),
      row("2_L", undefined, "bad file"),
      row("3_R", undefined, "bad"),
    ];
    const submission = buildSubmission(rows, Aggregation.parse({}));
    expect(submission.csv).toBe("prediction_id,cancer\n1_L,0\n1_R,1\n2_L,1\n3_R,0\n");
    expect(submission.missingBreasts).toEqual(["3_R"]);
    expect(submission.failedImages.map((r) => r.error)).toEqual(["bad file", "bad"]);
    expect(submission.breasts.find((b) => b.predictionId === "2_L")?.images).toBe(1);
  });

  it("the percentile rule flags the top of the breasts (np.quantile, linear)", () => {
    expect(quantileLinear([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileLinear([0, 10], 0.97935)).toBeCloseTo(9.7935, 12);
    const rows = Array.from({ length: 100 }, (_, i) => row(`p${String(i).padStart(3, "0")}_L`, i / 100));
    const submission = buildSubmission(rows, Aggregation.parse({ autoThreshold: true }));
    expect(submission.csv.match(/,1$/gm)).toHaveLength(3);
  });

  it("probabilities.csv round-trips, with the error column for failed images", () => {
    const text = probabilitiesCsv([
      {
        image: { patientId: "1", imageId: "11", laterality: "L", predictionId: "1_L" },
        box: { x0: 1, y0: 2, x1: 30, y1: 40, branch: "otsu", areaFraction: 0.5 },
        folds: Float32Array.from([0.25, 0.5]),
        mean: 0.375,
      },
      {
        image: { patientId: "1", imageId: "12", laterality: "L", predictionId: "1_L" },
        error: "x.dcm: truncated, file",
      },
    ]);
    expect(text.split("\n")[0]).toBe(
      "image_id,patient_id,laterality,prediction_id,x0,y0,x1,y1,roi,fold_0,fold_1,mean,error",
    );
    expect(text.split("\n")[1]).toBe("11,1,L,1_L,1,2,30,40,otsu,0.25,0.5,0.375,");
    const back = readProbabilitiesCsv(text, "p.csv");
    expect(back.map((r) => [r.mean, r.error, r.roi])).toEqual([
      [0.375, undefined, "otsu"],
      [undefined, "x.dcm: truncated, file", ""],
    ]);
    expect(formatCsv(["a"], [['say "hi"']])).toBe('a\n"say ""hi"""\n');
  });

  it("labels: breast positive if any of its rows is; prediction_id or patient_id + laterality", () => {
    const labels = breastLabelsFromCsv("patient_id,laterality,cancer\n1,L,0\n1,L,1\n1,R,0\n", "l.csv");
    expect([...labels]).toEqual([
      ["1_L", 1],
      ["1_R", 0],
    ]);
    expect(() => breastLabelsFromCsv("prediction_id,cancer\n1_L,yes\n", "l.csv")).toThrow(
      "l.csv: line 2 has cancer 'yes'",
    );
  });
});

describe("metrics", () => {
  it("pF1 is ordinary F1 on 0/1 values and 0 without true positives", () => {
    // TP 2, FP 1, FN 1 → P 2/3, R 2/3, F1 2/3.
    expect(pfbeta([1, 1, 1, 0, 0], [1, 1, 0, 1, 0])).toBeCloseTo(2 / 3, 15);
    expect(pfbeta([1, 0], [0, 1])).toBe(0);
    // Probabilities: ctp 0.8 + 0.4, cfp 0.2 → P 1.2/1.4, R 1.2/2.
    const p = 1.2 / 1.4;
    const r = 0.6;
    expect(pfbeta([1, 1, 0], [0.8, 0.4, 0.2])).toBeCloseTo((2 * p * r) / (p + r), 15);
  });

  it("best threshold: grid 0.00…0.99, ties go to the threshold nearest 0.5 (the lower when equidistant)", () => {
    expect(THRESHOLD_GRID).toHaveLength(100);
    expect(THRESHOLD_GRID[7]).toBe(0.07000000000000001);
    // Every t in [0.2, 0.8) gives F1 = 1: the winner is 0.5 itself.
    expect(bestThreshold([1, 0], [0.8, 0.2])).toEqual({ threshold: 0.5, f1: 1 });
    // F1 = 1 only for t in [0.6, 0.7): 0.6 is nearest 0.5.
    expect(bestThreshold([1, 0], [0.7, 0.6]).threshold).toBe(0.6);
  });

  it("ROC AUC counts ties as half and is NaN with one class", () => {
    expect(rocAuc([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.2])).toBe(1);
    expect(rocAuc([1, 0], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([1, 0, 0], [0.4, 0.4, 0.1])).toBe(0.75);
    expect(rocAuc([1, 1], [0.1, 0.2])).toBeNaN();
  });
});
