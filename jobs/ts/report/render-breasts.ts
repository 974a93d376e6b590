import { outcomeOf } from "./breast-table.ts";
import { escapeHtml, fixed } from "./html.ts";
import type { ReportBreast, ReportImage } from "./report-data.ts";
import type { SelectionGroup } from "./selection.ts";

const BRANCH_COLOURS = { yolox: "#38a169", otsu: "#dd6b20", full: "#a0aec0" } as const;

function renderBox(image: ReportImage): string {
  if (!image.box || !image.imageWidth || !image.imageHeight) return "";
  const { x0, y0, x1, y1 } = image.box;
  const colour = BRANCH_COLOURS[image.branch ?? "full"];
  return `<svg viewBox="0 0 ${image.imageWidth} ${image.imageHeight}" preserveAspectRatio="none" aria-label="breast box">
<rect class="box" x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" stroke="${colour}" stroke-width="${Math.max(image.imageWidth, image.imageHeight) / 50}"/></svg>`;
}

function renderImage(image: ReportImage): string {
  const t = image.thumbnail;
  const picture = t
    ? `<div class="frame"><img alt="${escapeHtml(image.imageId)}" width="${t.width}" height="${t.height}" src="data:${t.mime};base64,${Buffer.from(t.data).toString("base64")}">${renderBox(image)}</div>`
    : `<div class="error">${escapeHtml(image.error ?? "no image")}</div>`;
  const folds = image.foldProbabilities.map((p, k) => `fold ${k}: ${fixed(p)}`).join(", ");
  const caption = [
    escapeHtml(image.imageId),
    image.view ? escapeHtml(image.view) : "",
    image.branch ? `<span class="branch">${image.branch}</span>` : "",
    image.probability !== undefined ? `p ${image.probability.toFixed(3)}` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  const error = t && image.error ? `<div class="error">${escapeHtml(image.error)}</div>` : "";
  return `<figure data-image-id="${escapeHtml(image.imageId)}"${folds ? ` title="${folds}"` : ""}>${picture}<figcaption>${caption}</figcaption>${error}</figure>`;
}

function renderBreast(breast: ReportBreast): string {
  const outcome = outcomeOf(breast);
  const wrong = outcome === "FP" || outcome === "FN";
  const label = breast.label === undefined ? "" : breast.label === 1 ? "cancer" : "no cancer";
  return `<tr class="breast ${breast.decision === 1 ? "positive" : "negative"}" data-prediction-id="${escapeHtml(breast.predictionId)}">
<td class="id">${escapeHtml(breast.predictionId)}</td><td class="score">${fixed(breast.probability)}</td>
<td><span class="tag${breast.decision === 1 ? " cancer" : ""}">${breast.decision === 1 ? "cancer" : "no cancer"}</span></td>
<td>${label}</td><td class="outcome${wrong ? " wrong" : ""}">${outcome}</td>
<td><div class="images">${breast.images.map(renderImage).join("")}</div></td></tr>`;
}

/** One table of breasts: id, score, decision, label, outcome, the images with their boxes. */
export function renderBreastGroup(group: SelectionGroup<ReportBreast>): string {
  return `<section class="group" id="${group.id}"><h2>${escapeHtml(group.title)}</h2>
<table class="breasts"><thead><tr><th>breast</th><th>score</th><th>prediction</th><th>label</th><th>outcome</th><th>images (box: branch)</th></tr></thead>
<tbody>${group.breasts.map(renderBreast).join("\n")}</tbody></table></section>`;
}
