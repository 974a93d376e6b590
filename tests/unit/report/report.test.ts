import { mkdir } from "node:fs/promises";
import { encode } from "fast-png";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderReport } from "../../../jobs/ts/report/render-report.ts";
import type { ReportData, ReportImage } from "../../../jobs/ts/report/report-data.ts";

// Debian's Chromium, installed by `npm run setup`.
const CHROMIUM = process.env.MAMMOFLOW_CHROMIUM ?? "/usr/bin/chromium";

function gradientPng(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = (x * 255) / width;
  return encode({ width, height, data, channels: 1, depth: 8 });
}

const image = (imageId: string, view: string, extra: Partial<ReportImage> = {}): ReportImage => ({
  imageId,
  view,
  thumbnail: { png: gradientPng(60, 120), width: 60, height: 120 },
  imageWidth: 600,
  imageHeight: 1200,
  box: { x0: 0, y0: 100, x1: 420, y1: 1100 },
  branch: "yolox",
  foldProbabilities: [0.1, 0.2, 0.3, 0.4],
  probability: 0.25,
  ...extra,
});

const data: ReportData = {
  title: "mammoflow demo <submission>",
  threshold: 0.31,
  generatedAt: "2026-11-29T08:00:00.000Z",
  facts: { detector: "demo-detector", classifier: "demo-ensemble" },
  breasts: [
    {
      predictionId: "10001_L",
      probability: 0.62,
      decision: 1,
      label: 1,
      images: [image("1001", "CC", { probability: 0.7 }), image("1002", "MLO", { branch: "otsu", probability: 0.54 })],
    },
    {
      predictionId: "10001_R",
      probability: 0.12,
      decision: 0,
      label: 1,
      images: [
        image("1003", "CC", { branch: "full", box: { x0: 0, y0: 0, x1: 600, y1: 1200 } }),
        { imageId: "1004", view: "MLO", foldProbabilities: [], error: "1004.dcm: truncated pixel data" },
      ],
    },
  ],
  metrics: { pF1: 0.5, auc: 0.75, bestF1: 0.6667, bestThreshold: 0.1, confusion: { tp: 1, fp: 0, tn: 0, fn: 1 } },
};

describe("report.html", () => {
  const html = renderReport(data);
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("is one self-contained page: images inlined, nothing fetched, text escaped", () => {
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
    expect(html).not.toContain("<script");
    expect(html).toContain("<title>mammoflow demo &lt;submission&gt;</title>");
    expect(html.match(/data:image\/png;base64,/g)).toHaveLength(3);
  });

  it("shows every breast with its images, boxes, branches, fold probabilities and decision", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.setContent(html);
    const breasts = page.locator("section.breast");
    expect(await breasts.count()).toBe(2);
    const first = page.locator('section[data-prediction-id="10001_L"]');
    expect(await first.getAttribute("class")).toContain("positive");
    expect(await first.locator("h2").textContent()).toMatch(/10001_L\s+breast score 0\.6200\s+cancer\s+label: cancer/);
    expect(await first.locator("figure").count()).toBe(2);
    expect(await first.locator(".branch").allInnerTexts()).toEqual(["yolox", "otsu"]);
    expect(await first.locator("table.folds").first().textContent()).toContain("fold 3: 0.4000");
    const rect = first.locator("figure").first().locator("rect.box");
    expect(await rect.getAttribute("width")).toBe("420");
    expect(await rect.getAttribute("height")).toBe("1000");
    const box = await first.locator("figure img").first().boundingBox();
    expect(box?.width).toBe(60);
    const second = page.locator('section[data-prediction-id="10001_R"]');
    expect(await second.locator(".tag.wrong").textContent()).toBe("label: cancer");
    expect(await second.locator(".error").textContent()).toBe("1004.dcm: truncated pixel data");
    expect(await page.locator("#summary").textContent()).toBe(
      "2 breasts, 1 predicted cancer (50.0 %) at threshold > 0.31",
    );
    expect(await page.locator("#metrics").textContent()).toContain("TP 1 · FP 0 · TN 0 · FN 1");
    await mkdir("tmp/artifacts", { recursive: true });
    await page.screenshot({ path: "tmp/artifacts/report-unit.png", fullPage: true });
    await page.close();
  });
});
