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
  /** PNG of the whole windowed image, downscaled; absent when the image could not be read. */
  thumbnail?: { png: Uint8Array; width: number; height: number };
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
  breasts: ReportBreast[];
  metrics?: ReportMetrics;
  generatedAt: string;
  /** Free-form facts shown in the header, e.g. the models used. */
  facts: Record<string, string>;
}
