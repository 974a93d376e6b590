import type { Provenance } from "./provenance.ts";
import type { Selection } from "./selection.ts";

/** Where the breast box came from (docs/seed-pipeline.md#box-selection-and-fallbacks): detector, Otsu fallback or full frame. */
export type RoiBranch = "yolox" | "otsu" | "full";

export interface ReportBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** One image of a breast as the report shows it. */
export interface ReportImage {
  imageId: string;
  view?: string;
  /** The whole image, small (thumbnails.ts); absent when the image could not be read. */
  thumbnail?: { data: Uint8Array; mime: "image/jpeg" | "image/png"; width: number; height: number };
  /** Size of the full-resolution image the box refers to. */
  imageWidth?: number;
  imageHeight?: number;
  box?: ReportBox;
  branch?: RoiBranch;
  foldProbabilities: number[];
  probability?: number;
  error?: string;
}

export interface ReportBreast {
  predictionId: string;
  images: ReportImage[];
  probability: number;
  decision: 0 | 1;
  label?: 0 | 1;
}

export interface ReportMetrics {
  pF1: number;
  auc?: number;
  bestF1?: number;
  bestThreshold?: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
}

export interface ReportData {
  title: string;
  threshold: number;
  /** Every breast: the charts and the summary count them all. */
  breasts: ReportBreast[];
  /** The breasts the page shows with their images (all of a small set; selection.ts). */
  selection: Selection<ReportBreast>;
  /** File name of the full per-breast CSV beside the page. */
  tableFile: string;
  metrics?: ReportMetrics;
  provenance: Provenance;
  generatedAt: string;
  /** Free-form facts shown in the header, e.g. the resource. */
  facts: Record<string, string>;
}
