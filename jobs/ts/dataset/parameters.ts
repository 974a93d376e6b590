import path from "node:path";
import { z } from "zod";
import { APP_ROOT } from "../../contract/app-root.ts";
import { RelativePath } from "../../contract/request.ts";
import { PixelParameters } from "../dicom/convert/parameters.ts";
import { RoiParameters } from "../roi/parameters.ts";
import { DATASET_NAMES, type DatasetInput } from "./types.ts";

/** One dataset to prepare; mirrors the API's DatasetSource (jobs/contract/parameters/datasets.ts). */
const DatasetSourceParameter = z.object({
  name: z.enum(DATASET_NAMES),
  rawPath: RelativePath.optional(),
  labels: z.enum(["Generated", "SeedCheckedIn"]).default("Generated"),
});

/**
 * Parameters of prepare-dataset. A shard request (request.shard) crops its slice; a request with
 * `merge: true` (no shard) gathers the `shards` shard folders and writes the label CSVs; a request
 * with neither does both in one process.
 */
export const PrepareDatasetParameters = z
  .object({
    datasets: z.array(DatasetSourceParameter).min(1),
    pixels: PixelParameters.default({}),
    roi: RoiParameters.default({}),
    // The API's CropDetectorRuntime (jobs/contract/parameters/detector-precision.ts): where the detector runs.
    runtime: z
      .object({
        executionProvider: z.enum(["Auto", "Cpu", "Cuda", "TensorRT"]),
        detectorPrecision: z.enum(["Auto", "Fp32", "Fp16"]),
      })
      .partial()
      .default({}),
    // 0: any bad image or label row stops the stage, as the seed; above 0 is the explicit tolerance.
    maxErrorFraction: z.number().min(0).max(1).default(0),
    merge: z.boolean().default(false),
    shards: z.int().min(1).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.merge && p.shards === undefined) {
      ctx.addIssue({ code: "custom", path: ["shards"], message: "merge needs the number of shards" });
    }
    for (const [i, d] of p.datasets.entries()) {
      if (d.labels === "SeedCheckedIn" && d.name !== "bmcd" && d.name !== "cmmd") {
        ctx.addIssue({
          code: "custom",
          path: ["datasets", i, "labels"],
          message: `the seed checked in labels only for bmcd and cmmd, not ${d.name}`,
        });
      }
    }
    const names = p.datasets.map((d) => d.name);
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (repeated) ctx.addIssue({ code: "custom", path: ["datasets"], message: `dataset ${repeated} is listed twice` });
  });
export type PrepareDatasetParameters = z.infer<typeof PrepareDatasetParameters>;

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
  inputs: Readonly<Record<string, string>>,
): DatasetInput[] {
  return parameters.datasets.map((d) => {
    const input: DatasetInput = {
      name: d.name,
      rawRoot: path.join(storageRoot, d.rawPath ?? `datasets/raw/${d.name}`),
      labels: d.labels,
    };
    if (d.labels === "SeedCheckedIn") {
      const given = inputs[`${d.name}-labels`];
      input.seedLabelsFile = given === undefined ? bundledSeedLabels(d.name) : path.join(storageRoot, given);
    }
    return input;
  });
}
