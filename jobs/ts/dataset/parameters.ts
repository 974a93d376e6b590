import path from "node:path";
import { APP_ROOT } from "../../contract/app-root.ts";
import { rawPathOf } from "../../contract/parameters/datasets.ts";
import type { StageInputs, StageParameters } from "../../contract/stages.ts";
import type { DatasetInput } from "./types.ts";

/**
 * Parameters of prepare-dataset as the stage reads them: validated by its catalogue entry
 * (jobs/contract/catalogue/prepare-dataset.ts), which holds their defaults and the rules a request
 * must keep. A shard request (request.shard) crops its slice; a request with `merge: true` (no
 * shard) gathers the `shards` shard folders and writes the label CSVs; a request with neither
 * does both in one process.
 */
export type PrepareDatasetParameters = StageParameters<"prepare-dataset">;

/** The seed's checked-in cleaned labels, shipped in the repository (and the stage image) under assets/data/. */
export function bundledSeedLabels(name: string): string {
  return path.join(APP_ROOT, "assets", "data", `${name}_cleaned_label.csv`);
}

/**
 * Resolves each dataset's raw folder (default `datasets/raw/<name>`) under the storage root and,
 * for SeedCheckedIn, the checked-in CSV: the request input `<name>-labels` when given, else the
 * bundled copy.
 */
export function datasetInputs(
  parameters: PrepareDatasetParameters,
  storageRoot: string,
  inputs: StageInputs<"prepare-dataset">,
): DatasetInput[] {
  return parameters.datasets.map((d) => {
    const input: DatasetInput = {
      name: d.name,
      rawRoot: path.join(storageRoot, rawPathOf(d)),
      labels: d.labels,
    };
    if (d.labels === "SeedCheckedIn") {
      const given = inputs[`${d.name}-labels`];
      input.seedLabelsFile = given === undefined ? bundledSeedLabels(d.name) : path.join(storageRoot, given);
    }
    return input;
  });
}
