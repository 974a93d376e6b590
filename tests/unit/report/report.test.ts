import { mkdir } from "node:fs/promises";
import { type Browser, chromium } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHART_COLOURS } from "../../../jobs/ts/report/charts.ts";
import { provenanceOf } from "../../../jobs/ts/report/provenance.ts";
import { renderReport } from "../../../jobs/ts/report/render-report.ts";
import type { ReportBreast, ReportData, ReportImage } from "../../../jobs/ts/report/report-data.ts";
import { DEFAULT_LIMITS, selectBreasts } from "../../../jobs/ts/report/selection.ts";
import { encodeThumbnail } from "../../../jobs/ts/report/thumbnails.ts";

// Debian's Chromium, installed by `npm run setup:test`.
const CHROMIUM = process.env.MAMMOFLOW_CHROMIUM ?? "/usr/bin/chromium";

/** A gray ramp as the detector's view would be (200 × 160), through the thumbnail encoder. */
async function thumbnail(): Promise<NonNullable<ReportImage["thumbnail"]>> {
  const gray = new Uint8Array(200 * 160);
  for (let y = 0; y < 200; y++) for (let x = 0; x < 160; x++) gray[y * 160 + x] = (x * 255) / 160;
  const { jpeg, width, height } = await encodeThumbnail(gray, 200, 160);
  return { data: jpeg, mime: "image/jpeg", width, height };
}

const SHA = (c: string) => c.repeat(64);

async function reportData(): Promise<ReportData> {
  const t = await thumbnail();
  const image = (imageId: string, view: string, extra: Partial<ReportImage> = {}): ReportImage => ({
    imageId,
    view,
    thumbnail: t,
    imageWidth: 600,
    imageHeight: 750,
    box: { x0: 0, y0: 100, x1: 420, y1: 700 },
    branch: "yolox",
    foldProbabilities: [0.1, 0.2, 0.3, 0.4],
    probability: 0.25,
    ...extra,
  });
  // Ten breasts, four with cancer; threshold 0.5: TP 3 (0.9, 0.8, 0.6), FN 1 (0.3), FP 1 (0.7).
  const scores: [number, 0 | 1][] = [
    [0.9, 1],
    [0.8, 1],
    [0.7, 0],
    [0.6, 1],
    [0.45, 0],
    [0.4, 0],
    [0.3, 1],
    [0.2, 0],
    [0.1, 0],
    [0.05, 0],
  ];
  const breasts: ReportBreast[] = scores.map(([probability, label], i) => ({
    predictionId: `${10001 + Math.floor(i / 2)}_${i % 2 ? "R" : "L"}`,
    probability,
    decision: probability > 0.5 ? 1 : 0,
    label,
    images: [image(`${2000 + 2 * i}`, "CC"), image(`${2001 + 2 * i}`, "MLO", { branch: "otsu" })],
  }));
  // One image that could not be read.
  (breasts[0] as ReportBreast).images[1] = {
    imageId: "2001",
    view: "MLO",
    foldProbabilities: [],
    error: "2001.dcm: truncated <pixel> data",
  };
  const record = {
    detector: {
      file: "runs/local/RoiDetectorTraining/demo-detector/export-onnx/detector.onnx",
      sha256: SHA("a"),
      card: { architecture: "yolox-nano", source: "yolox_nano_roi.pth" },
    },
    classifier: {
      file: "runs/local/EngineBuild/demo-ensemble/export-onnx/ensemble.onnx",
      sha256: SHA("b"),
      card: {
        architecture: "convnext_atto",
        folds: 4,
        sources: ["convnext_fold_0.pth.tar", "convnext_fold_1.pth.tar"],
        input: { shape: ["N", 3, 512, 256] },
      },
    },
    versions: { mammoflow: "0.1.0", "onnxruntime-node": "1.30.0", node: "v22.0.0" },
  };
  const generatedAt = "2026-11-29T08:00:00.000Z";
  return {
    title: "mammoflow demo <submission>",
    threshold: 0.5,
    generatedAt,
    facts: { resource: "Submission/demo" },
    breasts,
    selection: selectBreasts(breasts, DEFAULT_LIMITS),
    tableFile: "report-breasts.csv",
    provenance: provenanceOf(
      [{ file: "predict/0/models.json", record }],
      { requestDigest: SHA("c"), inputDigests: { predictions: SHA("d") } },
      generatedAt,
    ),
    metrics: { pF1: 0.5, auc: 20 / 24, bestF1: 0.75, bestThreshold: 0.5, confusion: { tp: 3, fp: 1, tn: 5, fn: 1 } },
  };
}

/** Pixels of an RGB(A) screenshot within ±tolerance of a #rrggbb colour on every channel. */
async function pixelsOfColour(
  png: Buffer,
  hex: string,
  tolerance = 12,
): Promise<{ matching: number; distinct: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const target = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  let matching = 0;
  const colours = new Set<number>();
  for (let i = 0; i < data.length; i += info.channels) {
    const [r, g, b] = [data[i] as number, data[i + 1] as number, data[i + 2] as number];
    colours.add((r << 16) | (g << 8) | b);
    if (
      Math.abs(r - (target[0] as number)) <= tolerance &&
      Math.abs(g - (target[1] as number)) <= tolerance &&
      Math.abs(b - (target[2] as number)) <= tolerance
    )
      matching++;
  }
  return { matching, distinct: colours.size };
}

describe("report.html in Chromium", () => {
  let html: string;
  let browser: Browser;

  beforeAll(async () => {
    html = renderReport(await reportData());
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("is one self-contained page: images inlined, no script, only the CSV beside it linked, text escaped", () => {
    expect(html).not.toContain("<script");
    expect([...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]?.slice(0, 16))).toEqual([
      "report-breasts.c",
      ...Array(19).fill("data:image/jpeg;"),
    ]);
    expect(html).toContain("<title>mammoflow demo &lt;submission&gt;</title>");
    expect(html).toContain("2001.dcm: truncated &lt;pixel&gt; data");
  });

  it("renders without console errors: banner, charts with the threshold, breasts, provenance; the screenshot shows the ROC curve", {
    timeout: 60_000,
  }, async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.setContent(html);

    expect(await page.locator("#demo-banner").textContent()).toContain(
      "The detector and classifier are the bundled demo models (assets/samples/models), briefly trained on synthetic phantoms, not the winner's weights",
    );
    expect(await page.locator("#summary").textContent()).toBe(
      "10 breasts, 4 predicted cancer (40.0 %) at threshold > 0.5. Table: report-breasts.csv.",
    );
    expect(await page.locator("#metrics").textContent()).toContain("TP 3 · FP 1 · TN 5 · FN 1");
    // ROC, PR and the histogram, each with the threshold marked (circle on the curves, line on the histogram).
    expect(await page.locator("svg.chart").evaluateAll((svgs) => svgs.map((s) => s.id))).toEqual([
      "roc",
      "pr",
      "histogram",
    ]);
    expect(await page.locator("#roc circle.threshold").count()).toBe(1);
    expect(await page.locator("#pr circle.threshold").count()).toBe(1);
    expect(await page.locator("#histogram line.threshold").count()).toBe(1);
    // Cancers 0.9, 0.8, 0.6, 0.3 against six others: 6 + 6 + 5 + 3 = 20 of 24 pairs ranked right.
    expect(await page.locator("#roc title").textContent()).toBe("ROC curve, AUC 0.8333");

    // Small set: one table of every breast, highest score first, with outcome and thumbnails.
    const rows = page.locator("tr.breast");
    expect(await rows.count()).toBe(10);
    expect(await rows.first().getAttribute("data-prediction-id")).toBe("10001_L");
    expect(await page.locator("td.outcome.wrong").allInnerTexts()).toEqual(["FP", "FN"]);
    expect(await page.locator("figure img").count()).toBe(19);
    expect(await page.locator("rect.box").count()).toBe(19);
    const box = await page.locator("figure img").first().boundingBox();
    expect(box?.width).toBe(96);
    expect(await page.locator('figure[data-image-id="2001"] .error').textContent()).toBe(
      "2001.dcm: truncated <pixel> data",
    );

    const provenance = (await page.locator("#provenance").textContent()) ?? "";
    expect(provenance).toContain(
      `detector (demo)runs/local/RoiDetectorTraining/demo-detector/export-onnx/detector.onnx`,
    );
    expect(provenance).toContain(`sha256 ${SHA("b")}`);
    expect(provenance).toContain("convnext_atto · input N×3×512×256 · 4 folds");
    expect(provenance).toContain("onnxruntime-node 1.30.0");
    expect(provenance).toContain(`request digest${SHA("c")} (aggregate)`);
    expect(provenance).toContain(`input predictionswritten by request ${SHA("d")}`);

    // The screenshot is not blank, and the ROC curve's stroke and the threshold mark are drawn.
    await mkdir("tmp/artifacts", { recursive: true });
    const full = await page.screenshot({ path: "tmp/artifacts/report-unit.png", fullPage: true });
    expect((await pixelsOfColour(full, "#ffffff")).distinct).toBeGreaterThan(200);
    const roc = await page.locator("#roc").screenshot();
    expect((await pixelsOfColour(roc, CHART_COLOURS.roc, 10)).matching).toBeGreaterThan(300);
    expect((await pixelsOfColour(roc, CHART_COLOURS.threshold, 10)).matching).toBeGreaterThan(20);
    expect((await pixelsOfColour(roc, CHART_COLOURS.pr, 10)).matching).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
