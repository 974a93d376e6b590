import type { ReportBreast, ReportData, ReportImage, ReportMetrics } from "./report-data.ts";

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const percent = (p: number) => `${(p * 100).toFixed(1)} %`;
const fixed = (p: number) => p.toFixed(4);

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2430;background:#f7f8fa}
h1{font-size:20px;margin:0 0 4px}
.facts,.summary{color:#4a5568;margin:4px 0 16px}
.metrics{display:flex;gap:16px;flex-wrap:wrap;margin:0 0 20px}
.metric{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:8px 12px}
.metric b{display:block;font-size:18px}
.breast{background:#fff;border:1px solid #dde1e7;border-radius:8px;margin:0 0 16px;padding:12px}
.breast.positive{border-left:6px solid #c53030}.breast.negative{border-left:6px solid #2f855a}
.breast h2{font-size:16px;margin:0 0 8px;display:flex;gap:12px;align-items:baseline}
.tag{font-size:12px;padding:1px 6px;border-radius:4px;background:#edf2f7}
.tag.cancer{background:#fed7d7}.tag.wrong{background:#feebc8}
.images{display:flex;gap:12px;flex-wrap:wrap}
figure{margin:0;width:180px}
figure .frame{position:relative;background:#000;display:inline-block}
figure img{display:block;max-width:180px;height:auto}
figure svg{position:absolute;left:0;top:0;width:100%;height:100%}
figcaption{font-size:12px;color:#4a5568}
.error{color:#c53030}
table.folds{border-collapse:collapse;font-size:12px}
table.folds td{padding:0 6px 0 0}`;

function renderMetrics(metrics: ReportMetrics, threshold: number): string {
  const { tp, fp, tn, fn } = metrics.confusion;
  const items: [string, string][] = [
    ["pF1 at the threshold", fixed(metrics.pF1)],
    ...(metrics.auc !== undefined ? ([["ROC AUC", fixed(metrics.auc)]] as [string, string][]) : []),
    ...(metrics.bestF1 !== undefined
      ? ([["best F1 (threshold grid)", `${fixed(metrics.bestF1)} at ${metrics.bestThreshold?.toFixed(2)}`]] as [
          string,
          string,
        ][])
      : []),
    [`confusion at > ${threshold}`, `TP ${tp} · FP ${fp} · TN ${tn} · FN ${fn}`],
  ];
  return `<section class="metrics" id="metrics">${items
    .map(([name, value]) => `<div class="metric">${escapeHtml(name)}<b>${escapeHtml(value)}</b></div>`)
    .join("")}</section>`;
}

function renderBox(image: ReportImage): string {
  if (!image.box || !image.imageWidth || !image.imageHeight) return "";
  const { x0, y0, x1, y1 } = image.box;
  const colour = image.branch === "yolox" ? "#38a169" : image.branch === "otsu" ? "#dd6b20" : "#a0aec0";
  return `<svg viewBox="0 0 ${image.imageWidth} ${image.imageHeight}" preserveAspectRatio="none" aria-label="breast box">
<rect class="box" x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" stroke="${colour}" stroke-width="${Math.max(image.imageWidth, image.imageHeight) / 60}"/></svg>`;
}

function renderImage(image: ReportImage): string {
  const picture = image.thumbnail
    ? `<div class="frame"><img alt="${escapeHtml(image.imageId)}" width="${image.thumbnail.width}" height="${image.thumbnail.height}" src="data:image/png;base64,${Buffer.from(image.thumbnail.png).toString("base64")}">${renderBox(image)}</div>`
    : `<div class="error">${escapeHtml(image.error ?? "no image")}</div>`;
  const folds = image.foldProbabilities.length
    ? `<table class="folds"><tr>${image.foldProbabilities.map((p, k) => `<td>fold ${k}: ${fixed(p)}</td>`).join("")}</tr></table>`
    : "";
  const caption = [
    escapeHtml(image.imageId),
    image.view ? escapeHtml(image.view) : "",
    image.branch ? `box: <span class="branch">${image.branch}</span>` : "",
    image.probability !== undefined ? `p = ${fixed(image.probability)}` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  return `<figure data-image-id="${escapeHtml(image.imageId)}">${picture}<figcaption>${caption}${folds}</figcaption></figure>`;
}

function renderBreast(breast: ReportBreast): string {
  const decision = breast.decision === 1 ? "cancer" : "no cancer";
  const wrong = breast.label !== undefined && breast.label !== breast.decision;
  const label =
    breast.label === undefined
      ? ""
      : `<span class="tag${wrong ? " wrong" : ""}">label: ${breast.label === 1 ? "cancer" : "no cancer"}</span>`;
  return `<section class="breast ${breast.decision === 1 ? "positive" : "negative"}" data-prediction-id="${escapeHtml(breast.predictionId)}">
<h2>${escapeHtml(breast.predictionId)} <span class="score">breast score ${fixed(breast.probability)}</span>
<span class="tag${breast.decision === 1 ? " cancer" : ""}">${decision}</span> ${label}</h2>
<div class="images">${breast.images.map(renderImage).join("")}</div></section>`;
}

/** The whole report as one self-contained HTML page (images inlined, no scripts, no network). */
export function renderReport(data: ReportData): string {
  const positives = data.breasts.filter((b) => b.decision === 1).length;
  const facts = Object.entries(data.facts)
    .map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v)}`)
    .join(" · ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<div class="facts">${facts}${facts ? " · " : ""}generated ${escapeHtml(data.generatedAt)}</div>
<div class="summary" id="summary">${data.breasts.length} breasts, ${positives} predicted cancer (${percent(
    data.breasts.length ? positives / data.breasts.length : 0,
  )}) at threshold &gt; ${data.threshold}</div>
${data.metrics ? renderMetrics(data.metrics, data.threshold) : ""}
${data.breasts.map(renderBreast).join("\n")}
</body></html>
`;
}
