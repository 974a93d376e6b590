import type { OperatingPoint, PrPoint, RocPoint } from "./curves.ts";

/** Colours of the charts' marks; the Chromium test looks for the ROC stroke in its screenshot. */
export const CHART_COLOURS = {
  roc: "#2b6cb0",
  pr: "#6b46c1",
  threshold: "#c53030",
  negative: "#718096",
  positive: "#dd6b20",
} as const;

const WIDTH = 300;
const HEIGHT = 240;
const LEFT = 42;
const RIGHT = 12;
const TOP = 12;
const BOTTOM = 34;
const PLOT_W = WIDTH - LEFT - RIGHT;
const PLOT_H = HEIGHT - TOP - BOTTOM;

const x = (v: number) => LEFT + v * PLOT_W;
const y = (v: number) => TOP + (1 - v) * PLOT_H;

/**
 * An SVG path through unit-square points. Coordinates are rounded to half a pixel and repeats
 * dropped, so a curve over 50,000 breasts stays a few thousand points: a monotone curve has at
 * most 2 × (width + height) distinct half-pixel positions.
 */
export function pathThrough(points: readonly (readonly [number, number])[]): string {
  const half = (v: number) => Math.round(v * 2) / 2;
  const parts: string[] = [];
  let last = "";
  for (const [u, v] of points) {
    const here = `${half(x(u))} ${half(y(v))}`;
    if (here === last) continue;
    parts.push(`${parts.length === 0 ? "M" : "L"}${here}`);
    last = here;
  }
  return parts.join("");
}

function axes(xLabel: string, yLabel: string, yMax = 1, yFormat = (v: number) => String(v)): string {
  const ticks = [0, 0.5, 1];
  const grid = ticks
    .map(
      (t) =>
        `<line x1="${x(t)}" y1="${TOP}" x2="${x(t)}" y2="${TOP + PLOT_H}" class="grid"/><line x1="${LEFT}" y1="${y(t)}" x2="${LEFT + PLOT_W}" y2="${y(t)}" class="grid"/>` +
        `<text x="${x(t)}" y="${TOP + PLOT_H + 14}" text-anchor="middle">${t}</text>` +
        `<text x="${LEFT - 4}" y="${y(t) + 4}" text-anchor="end">${yFormat(t * yMax)}</text>`,
    )
    .join("");
  return (
    `<rect x="${LEFT}" y="${TOP}" width="${PLOT_W}" height="${PLOT_H}" class="frame"/>${grid}` +
    `<text x="${LEFT + PLOT_W / 2}" y="${HEIGHT - 4}" text-anchor="middle">${xLabel}</text>` +
    `<text transform="translate(11 ${TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`
  );
}

function svg(id: string, title: string, body: string): string {
  return `<svg id="${id}" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${title}"><title>${title}</title>${body}</svg>`;
}

function marker(u: number, v: number, threshold: number): string {
  if (!Number.isFinite(u) || !Number.isFinite(v)) return "";
  const anchor = u > 0.6 ? "end" : "start";
  const dx = u > 0.6 ? -8 : 8;
  return (
    `<circle class="threshold" cx="${x(u)}" cy="${y(v)}" r="5" fill="none" stroke="${CHART_COLOURS.threshold}" stroke-width="2"/>` +
    `<text x="${x(u) + dx}" y="${y(v) + (v > 0.85 ? 16 : -8)}" text-anchor="${anchor}" fill="${CHART_COLOURS.threshold}">&gt; ${threshold}</text>`
  );
}

/**
 * A curve through [x, y] points on the unit square: axes, the line a random scorer draws (from
 * (0, chanceFrom) to (1, chanceTo)), the curve in its colour and the operating point.
 */
function curveChart(
  id: "roc" | "pr",
  title: string,
  labels: [string, string],
  chance: [number, number],
  curve: readonly [number, number][],
  operating: [number, number],
  threshold: number,
): string {
  const body =
    axes(...labels) +
    `<line x1="${x(0)}" y1="${y(chance[0])}" x2="${x(1)}" y2="${y(chance[1])}" class="chance"/>` +
    `<path class="curve" d="${pathThrough(curve)}" fill="none" stroke="${CHART_COLOURS[id]}" stroke-width="2.5"/>` +
    marker(operating[0], operating[1], threshold);
  return svg(id, title, body);
}

/** ROC curve with the chance diagonal and the submission's operating point. */
export function rocChart(
  points: readonly RocPoint[],
  operating: OperatingPoint,
  threshold: number,
  auc: number,
): string {
  return curveChart(
    "roc",
    `ROC curve, AUC ${auc.toFixed(4)}`,
    ["false positive rate", "true positive rate"],
    [0, 1],
    points.map((p) => [p.fpr, p.tpr]),
    [operating.fpr, operating.tpr],
    threshold,
  );
}

/** Precision-recall curve with the prevalence line (a random scorer) and the operating point. */
export function prChart(
  points: readonly PrPoint[],
  operating: OperatingPoint,
  threshold: number,
  prevalence: number,
  ap: number,
): string {
  return curveChart(
    "pr",
    `precision-recall curve, average precision ${ap.toFixed(4)}`,
    ["recall", "precision"],
    [prevalence, prevalence],
    points.map((p) => [p.recall, p.precision]),
    [operating.tpr, operating.precision],
    threshold,
  );
}

/** One bar series of a histogram: counts per bin, drawn as a share of `total`. */
export interface HistogramSeries {
  name: string;
  counts: readonly number[];
  colour: string;
}

/**
 * Score histograms side by side per bin, each series as the share of its own breasts (cancers
 * are a few percent of a screening set; raw counts would hide them), with the threshold.
 */
export function histogramChart(series: readonly HistogramSeries[], threshold: number): string {
  const bins = series[0]?.counts.length ?? 0;
  const shares = series.map((s) => {
    const total = s.counts.reduce((a, b) => a + b, 0);
    return s.counts.map((c) => (total === 0 ? 0 : c / total));
  });
  // The y axis ends at the next 10 % above the largest share.
  const top = Math.max(0.1, Math.ceil(Math.max(0, ...shares.flat()) * 10) / 10);
  const binWidth = PLOT_W / Math.max(1, bins);
  const barWidth = (binWidth - 2) / Math.max(1, series.length);
  const bars = series
    .map((s, k) =>
      (shares[k] as number[])
        .map((share, i) => {
          if (share === 0) return "";
          const height = (share / top) * PLOT_H;
          const left = LEFT + i * binWidth + 1 + k * barWidth;
          return `<rect x="${left.toFixed(1)}" y="${(TOP + PLOT_H - height).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${height.toFixed(1)}" fill="${s.colour}"><title>${s.name}: ${s.counts[i]} in [${(i / bins).toFixed(2)}, ${((i + 1) / bins).toFixed(2)})</title></rect>`;
        })
        .join(""),
    )
    .join("");
  const legend = series
    .map(
      (s, k) =>
        `<rect x="${LEFT + 8}" y="${TOP + 6 + k * 14}" width="10" height="10" fill="${s.colour}"/><text x="${LEFT + 22}" y="${TOP + 15 + k * 14}">${s.name}</text>`,
    )
    .join("");
  const line = `<line class="threshold" x1="${x(threshold)}" y1="${TOP}" x2="${x(threshold)}" y2="${TOP + PLOT_H}" stroke="${CHART_COLOURS.threshold}" stroke-width="2" stroke-dasharray="5 3"/>`;
  const body = axes("breast score", "share of breasts", top, (v) => `${Math.round(v * 100)}%`) + bars + line + legend;
  return svg("histogram", "score histograms by label", body);
}
