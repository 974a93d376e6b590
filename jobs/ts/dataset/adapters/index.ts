import type { DatasetAdapter, DatasetName } from "../types.ts";
import { bmcdAdapter } from "./bmcd.ts";
import { cddcesmAdapter } from "./cddcesm.ts";
import { cmmdAdapter } from "./cmmd.ts";
import { miniddsmAdapter } from "./miniddsm.ts";
import { rsnaAdapter } from "./rsna.ts";
import { vindrAdapter } from "./vindr.ts";

/** One adapter per dataset the seed prepares (docs/seed-pipeline.md#classification-datasets). */
export const DATASET_ADAPTERS: Readonly<Record<DatasetName, DatasetAdapter>> = {
  "rsna-breast-cancer-detection": rsnaAdapter,
  vindr: vindrAdapter,
  miniddsm: miniddsmAdapter,
  cmmd: cmmdAdapter,
  cddcesm: cddcesmAdapter,
  bmcd: bmcdAdapter,
};

/** Datasets whose checked-in cleaned labels the seed ships (assets/data/<name>_cleaned_label.csv). */
export const SEED_CHECKED_IN: ReadonlySet<DatasetName> = new Set(["bmcd", "cmmd"]);
