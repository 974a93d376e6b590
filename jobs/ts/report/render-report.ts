import { CHART_COLOURS, histogramChart, prChart, rocChart } from "./charts.ts";
import {
  areaUnder,
  averagePrecision,
  histogram,
  operatingPoint,
  prPoints,
  rocPoints,
  type ScoredLabel,
} from "./curves.ts";
import { escapeHtml, fixed, percent } from "./html.ts";
import type { Provenance } from "./provenance.ts";
import { renderBreastGroup } from "./render-breasts.ts";
import type { ReportData, ReportMetrics } from "./report-data.ts";

const HISTOGRAM_BINS = 20;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2430;background:#f7f8fa}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 8px}
.facts,.summary{color:#4a5568;margin:4px 0 16px}
.banner{background:#fefcbf;border:1px solid #d69e2e;border-radius:6px;padding:10px 14px;margin:0 0 16px}
.metrics{display:flex;gap:16px;flex-wrap:wrap;margin:0 0 20px}
.metric{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:8px 12px}
.metric b{display:block;font-size:18px}
.charts{display:flex;gap:16px;flex-wrap:wrap}
svg.chart{background:#fff;border:1px solid #dde1e7;border-radius:6px;font-size:10px;fill:#4a5568}
svg.chart .frame{fill:none;stroke:#a0aec0}svg.chart .grid{stroke:#edf2f7}
svg.chart .chance{stroke:#a0aec0;stroke-dasharray:4 3}
table.provenance{border-collapse:collapse;font-size:12px;background:#fff}
table.provenance td,table.provenance th{border:1px solid #dde1e7;padding:3px 8px;text-align:left;vertical-align:top}
code{font-size:11px;word-break:break-all}
table.breasts{border-collapse:collapse;background:#fff;width:100%}
table.breasts th,table.breasts td{border-bottom:1px solid #dde1e7;padding:4px 8px;text-align:left;vertical-align:top}
tr.breast.positive td.id{border-left:5px solid #c53030}tr.breast.negative td.id{border-left:5px solid #2f855a}
.tag{font-size:12px;padding:1px 6px;border-radius:4px;background:#edf2f7}.tag.cancer{background:#fed7d7}
.outcome.wrong{color:#c05621;font-weight:bold}
.images{display:flex;gap:8px;flex-wrap:wrap}
figure{margin:0}
figure .frame{position:relative;background:#000;display:inline-block}
figure img{display:block}
figure svg{position:absolute;left:0;top:0;width:100%;height:100%}
figcaption{font-size:11px;color:#4a5568;max-width:120px}
.error{color:#c53030;font-size:12px}`;

function renderMetrics(metrics: ReportMetrics, threshold: number, ap: number): string {
  const { tp, fp, tn, fn } = metrics.confusion;
  const items: [string, string][] = [["pF1 at the threshold", fixed(metrics.pF1)]];
  if (metrics.auc !== undefined) items.push(["ROC AUC", fixed(metrics.auc)]);
  if (!Number.isNaN(ap)) items.push(["average precision", fixed(ap)]);
  if (metrics.bestF1 !== undefined) {
    items.push(["best F1 (threshold grid)", `${fixed(metrics.bestF1)} at ${metrics.bestThreshold?.toFixed(2)}`]);
  }
  items.push([`confusion at > ${threshold}`, `TP ${tp} · FP ${fp} · TN ${tn} · FN ${fn}`]);
  return `<section class="metrics" id="metrics">${items
    .map(([name, value]) => `<div class="metric">${escapeHtml(name)}<b>${escapeHtml(value)}</b></div>`)
    .join("")}</section>`;
}

/** ROC and PR with labels, score histograms by label (all scores without labels); the threshold on each. */
function renderCharts(data: ReportData): { html: string; ap: number } {
  const labelled: ScoredLabel[] = data.breasts.flatMap((b) =>
    b.label === undefined ? [] : [{ score: b.probability, label: b.label }],
  );
  const charts: string[] = [];
  let ap = Number.NaN;
  if (labelled.length === data.breasts.length && labelled.length > 0) {
    const operating = operatingPoint(labelled, data.threshold);
    const roc = rocPoints(labelled);
    if (roc.length > 0) charts.push(rocChart(roc, operating, data.threshold, areaUnder(roc)));
    const pr = prPoints(labelled);
    if (pr.length > 0) {
      ap = averagePrecision(pr);
      const prevalence = labelled.filter((i) => i.label === 1).length / labelled.length;
      charts.push(prChart(pr, operating, data.threshold, prevalence, ap));
    }
    const scoresOf = (label: 0 | 1) => labelled.filter((i) => i.label === label).map((i) => i.score);
    const negatives = scoresOf(0);
    const positives = scoresOf(1);
    charts.push(
      histogramChart(
        [
          {
            name: `no cancer (${negatives.length})`,
            counts: histogram(negatives, HISTOGRAM_BINS),
            colour: CHART_COLOURS.negative,
          },
          {
            name: `cancer (${positives.length})`,
            counts: histogram(positives, HISTOGRAM_BINS),
            colour: CHART_COLOURS.positive,
          },
        ],
        data.threshold,
      ),
    );
  } else if (data.breasts.length > 0) {
    const scores = data.breasts.map((b) => b.probability);
    charts.push(
      histogramChart(
        [
          {
            name: `all breasts (${scores.length}, no labels)`,
            counts: histogram(scores, HISTOGRAM_BINS),
            colour: CHART_COLOURS.negative,
          },
        ],
        data.threshold,
      ),
    );
  }
  return { html: charts.length ? `<section class="charts" id="charts">${charts.join("")}</section>` : "", ap };
}

function renderBanner(provenance: Provenance): string {
  const demo = provenance.models.filter((m) => m.demo);
  if (demo.length === 0) return "";
  return `<div class="banner" id="demo-banner"><b>Demo models.</b> The ${demo.map((m) => m.role).join(" and ")} ${
    demo.length > 1 ? "are" : "is"
  } the bundled demo model${demo.length > 1 ? "s" : ""} (assets/samples/models), briefly trained on synthetic phantoms, not the winner's weights: these scores show the pipeline working, not a diagnosis.</div>`;
}

function renderProvenance(provenance: Provenance): string {
  const rows: string[] = provenance.models.map(
    (m) =>
      `<tr><th>${m.role}${m.demo ? " (demo)" : ""}</th><td>${escapeHtml(m.file)}<br>${escapeHtml(m.summary)}<br>sha256 <code>${m.sha256}</code></td></tr>`,
  );
  const versions = Object.entries(provenance.versions)
    .map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`)
    .join(" · ");
  if (versions) rows.push(`<tr><th>versions</th><td>${versions}</td></tr>`);
  if (provenance.requestDigest) {
    rows.push(
      `<tr><th>request digest</th><td><code>${escapeHtml(provenance.requestDigest)}</code> (aggregate)</td></tr>`,
    );
  }
  for (const [input, digest] of Object.entries(provenance.inputDigests)) {
    rows.push(
      `<tr><th>input ${escapeHtml(input)}</th><td>written by request <code>${escapeHtml(digest)}</code></td></tr>`,
    );
  }
  rows.push(`<tr><th>generated</th><td>${escapeHtml(provenance.generatedAt)}</td></tr>`);
  for (const note of provenance.notes) rows.push(`<tr><th>note</th><td class="error">${escapeHtml(note)}</td></tr>`);
  return `<section id="provenance"><h2>Provenance</h2><table class="provenance">${rows.join("")}</table></section>`;
}

/**
 * The whole report as one self-contained HTML page (images inlined, no scripts, no network):
 * demo banner, metrics, ROC/PR/histogram charts, provenance, the breasts shown (all, or for a
 * large set the worst mistakes and a sample, with the full table in the CSV beside it).
 */
export function renderReport(data: ReportData): string {
  const positives = data.breasts.filter((b) => b.decision === 1).length;
  const facts = Object.entries(data.facts)
    .map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v)}`)
    .join(" · ");
  const charts = renderCharts(data);
  const shown = data.selection.groups.reduce((n, g) => n + g.breasts.length, 0);
  const bounded = data.selection.bounded
    ? ` The page shows ${shown} of them; every breast is in <a href="${escapeHtml(data.tableFile)}">${escapeHtml(data.tableFile)}</a>.`
    : ` Table: <a href="${escapeHtml(data.tableFile)}">${escapeHtml(data.tableFile)}</a>.`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<div class="facts">${facts}${facts ? " · " : ""}generated ${escapeHtml(data.generatedAt)}</div>
${renderBanner(data.provenance)}
<div class="summary" id="summary">${data.breasts.length} breasts, ${positives} predicted cancer (${percent(
    data.breasts.length ? positives / data.breasts.length : 0,
  )}) at threshold &gt; ${data.threshold}.${bounded}</div>
${data.metrics ? renderMetrics(data.metrics, data.threshold, charts.ap) : ""}
${charts.html}
${renderProvenance(data.provenance)}
${data.selection.groups.map(renderBreastGroup).join("\n")}
</body></html>
`;
}
