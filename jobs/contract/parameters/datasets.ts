import { z } from "zod";
import { StoragePath } from "./storage-path.ts";

/** The datasets the seed knows, by their folder names under `datasets/raw/` (docs/seed-pipeline.md#classification-datasets). */
export const DatasetName = z
  .enum(["rsna-breast-cancer-detection", "vindr", "miniddsm", "cmmd", "cddcesm", "bmcd"])
  .describe("A dataset the seed can prepare, named as its folder under datasets/raw/.");
export type DatasetName = z.infer<typeof DatasetName>;

/** Preparation order of the seed's `prepair_classification_dataset.py`. */
export const SEED_DATASET_ORDER: readonly DatasetName[] = DatasetName.options;

/** Order in which external datasets are appended to the RSNA fold in training (docs/seed-pipeline.md#training-set). */
export const SEED_EXTERNAL_TRAINING_ORDER: readonly DatasetName[] = ["bmcd", "cddcesm", "cmmd", "miniddsm", "vindr"];

export const DatasetSource = z
  .object({
    name: DatasetName,
    rawPath: StoragePath.optional().describe(
      "Folder of the raw dataset relative to the storage root. Defaults to datasets/raw/<name>.",
    ),
    labels: z
      .enum(["Generated", "SeedCheckedIn"])
      .default("Generated")
      .describe(
        "Generated: build cleaned_label.csv from the raw files with the seed's rules. SeedCheckedIn: use the seed's checked-in cleaned labels (bmcd and cmmd only), whose row order the published training run used.",
      ),
  })
  .describe("One dataset to prepare.");
export type DatasetSource = z.infer<typeof DatasetSource>;

export function rawPathOf(source: DatasetSource): string {
  return source.rawPath ?? `datasets/raw/${source.name}`;
}

/** The seed's dataset list: every dataset, in preparation order, with the checked-in BMCD/CMMD labels. */
export function seedDatasetSources(): DatasetSource[] {
  return SEED_DATASET_ORDER.map((name) => ({
    name,
    labels: name === "bmcd" || name === "cmmd" ? "SeedCheckedIn" : "Generated",
  }));
}

/** Cross-validation split of the RSNA training set (docs/seed-pipeline.md#cross-validation-split). */
export const CvSplit = z
  .object({
    folds: z
      .int()
      .min(2)
      .max(20)
      .default(4)
      .describe("Number of folds of StratifiedGroupKFold (stratified on cancer, grouped by patient)."),
    seed: z.int().min(0).default(67).describe("random_state of the shuffled StratifiedGroupKFold."),
    dataset: DatasetName.default("rsna-breast-cancer-detection").describe(
      "The dataset that is split; all other datasets go into every fold's training set.",
    ),
  })
  .describe("How the training set is split into cross-validation folds.");
export type CvSplit = z.infer<typeof CvSplit>;
