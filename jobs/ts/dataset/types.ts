import type { DatasetName, DatasetSource } from "../../contract/parameters/datasets.ts";

/** The vocabulary of prepare-dataset; dataset names are the API's (jobs/contract/parameters/datasets.ts). */
export type { DatasetName };

/** Generated: labels from the raw files with the seed's rules. SeedCheckedIn: the seed's checked-in CSV (bmcd, cmmd). */
export type LabelMode = DatasetSource["labels"];

/** How an image is stored, which picks the seed's conversion path (docs/seed-pipeline.md#conversion-paths, B or D). */
export type ImageFormat = "dicom" | "png16" | "jpeg8";

/** Kinds of per-item problems the report counts. */
export type ProblemKind =
  | "unreadable-file"
  | "missing-view"
  | "label-without-image"
  | "image-without-label"
  | "bad-label";

export interface DatasetProblem {
  kind: ProblemKind;
  /** The file, or the label row (`dataset:patient_id@image_id`) when there is no file. */
  item: string;
  message: string;
}

/** One image to crop, with the label row that goes into cleaned_label.csv when it succeeds. */
export interface PlannedImage {
  patientId: string;
  imageId: string;
  file: string;
  format: ImageFormat;
  /** Texts of the row, aligned with DatasetPlan.columns; absent when the row needs facts from the image. */
  row?: readonly string[];
}

/** Facts read from an image while cropping that a label rule needs (CMMD takes laterality from the DICOM). */
export interface ImageFacts {
  laterality?: string;
}

export interface DatasetPlan {
  dataset: DatasetName;
  columns: readonly string[];
  /** In the seed's row order. */
  images: PlannedImage[];
  problems: DatasetProblem[];
}

export interface LabelTable {
  columns: readonly string[];
  rows: string[][];
  problems: DatasetProblem[];
}

/** Where a dataset's raw files are and which labels to use. */
export interface DatasetInput {
  name: DatasetName;
  rawRoot: string;
  labels: LabelMode;
  /** The checked-in cleaned_label.csv (SeedCheckedIn only). */
  seedLabelsFile?: string;
}

/** One dataset's rules: which images, which label rows, in which order (docs/seed-pipeline.md#classification-datasets). */
export interface DatasetAdapter {
  name: DatasetName;
  /** Whether `table` needs ImageFacts read from the images. */
  needsImageFacts(input: DatasetInput): boolean;
  /** Reads label files and lists only what the labels name: cheap, run by every shard. */
  plan(input: DatasetInput): Promise<DatasetPlan>;
  /** The final rows for the images that were cropped (`facts` has one entry per such image, by key). */
  table(input: DatasetInput, plan: DatasetPlan, facts: ReadonlyMap<string, ImageFacts>): Promise<LabelTable>;
  /** Image files under the raw folder that no label names (a full listing: run once, at merge). */
  unlabelledImages(input: DatasetInput, plan: DatasetPlan): Promise<string[]>;
}

/** Name of an image's crop and its key everywhere: `{patient_id}@{image_id}`. */
export function imageKey(image: { patientId: string; imageId: string }): string {
  return `${image.patientId}@${image.imageId}`;
}
