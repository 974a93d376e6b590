import { z } from "zod";
import { CvSplit, DatasetSource, seedDatasetSources } from "../../../jobs/contract/parameters/datasets.ts";
import { CropDetectorRuntime } from "../../../jobs/contract/parameters/detector-precision.ts";
import { PixelConversion } from "../../../jobs/contract/parameters/pixels.ts";
import { RoiSelection } from "../../../jobs/contract/parameters/roi.ts";
import { defaulted, LocalRef, Placement, Suspend } from "../common.ts";
import { BaseStatus } from "../status.ts";
import { defineKind, stageJobSuffix } from "./define.ts";

/**
 * Classifier training data: for every listed dataset, cleaned labels and ROI-cropped 8-bit crops
 * (stage prepare-dataset, sharded; seed job J3), then the cross-validation split (cv-split; J4).
 * Waits for its detector to be Ready.
 */
export const ClassificationDatasetSpec = z
  .object({
    detector: LocalRef.describe(
      "The RoiDetectorTraining whose detector crops the breasts (its fp16 TensorRT engine's folder when it built one, else its ONNX export).",
    ),
    datasets: z
      .array(DatasetSource)
      .min(1)
      .max(6)
      .default(seedDatasetSources())
      .describe(
        "Datasets to prepare, in order. Defaults to the seed's six datasets with the checked-in BMCD/CMMD labels.",
      )
      .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] }),
    roi: defaulted(RoiSelection),
    runtime: defaulted(CropDetectorRuntime),
    pixels: defaulted(PixelConversion),
    cvSplit: defaulted(CvSplit),
    shards: z
      .int()
      .min(1)
      .max(1000)
      .default(8)
      .describe("Parallel shards of prepare-dataset (the seed used 8 workers)."),
    maxErrorFraction: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe(
        "Bad-data policy of prepare-dataset. 0 (default): any unreadable image or bad label row stops the stage, as the seed, naming the files after writing the report. Above 0: tolerance, those items are reported and skipped while they are at most this fraction (a skipped row changes the sampler's order and can move the split; docs/fidelity.md). Files no label row names are listed but never counted.",
      ),
    placement: defaulted(Placement),
    suspend: Suspend,
  })
  .describe("Desired state of a ClassificationDataset.");

export const ClassificationDatasetStatus = BaseStatus.describe("Observed state of a ClassificationDataset.");

export const classificationDatasetKind = defineKind({
  kind: "ClassificationDataset",
  plural: "classificationdatasets",
  shortNames: ["clsdata"],
  /** The longer of its stages (prepare-dataset, cv-split). */
  longestDerivedSuffix: stageJobSuffix("clsdata", "prepare-dataset"),
  spec: ClassificationDatasetSpec,
  status: ClassificationDatasetStatus,
  columns: [
    { name: "Detector", type: "string", jsonPath: ".spec.detector.name", description: "Detector used for cropping." },
    { name: "Folds", type: "integer", jsonPath: ".spec.cvSplit.folds", description: "Cross-validation folds." },
  ],
});
export const ClassificationDataset = classificationDatasetKind.resource;
export type ClassificationDataset = z.infer<typeof ClassificationDataset>;
