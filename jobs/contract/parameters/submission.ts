import { z } from "zod";
import { withInvariants } from "../invariants.ts";
import { DetectorPrecision, detectorPrecisionRunsOn, EXECUTION_PROVIDERS } from "./detector-precision.ts";
import { StoragePath } from "./storage-path.ts";

/** The images to score (competition layout: test.csv + {patient_id}/{image_id}.dcm). */
export const TestSet = z
  .object({
    csv: StoragePath.default("datasets/raw/rsna-breast-cancer-detection/test.csv").describe(
      "Competition-style CSV with patient_id, image_id, laterality (and prediction_id if present).",
    ),
    images: StoragePath.default("datasets/raw/rsna-breast-cancer-detection/test_images").describe(
      "Folder with {patient_id}/{image_id}.dcm.",
    ),
    labels: StoragePath.optional().describe(
      "Optional CSV with patient_id, laterality (or prediction_id) and cancer; when given, metrics are computed.",
    ),
  })
  .describe("The studies a submission scores.");
export type TestSet = z.infer<typeof TestSet>;

/** From image probabilities to the CSV (docs/seed-pipeline.md#aggregation). */
export const Aggregation = z
  .object({
    threshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.31)
      .describe("A breast is positive when its probability is strictly greater than this."),
    autoThreshold: z
      .boolean()
      .default(false)
      .describe("Use the autoThresholdQuantile of the breast probabilities instead of threshold."),
    autoThresholdQuantile: z
      .number()
      .gt(0)
      .lt(1)
      .default(0.97935)
      .describe("Quantile used when autoThreshold is on (flags about 2.07 % of breasts)."),
    breastReduction: z
      .enum(["Mean", "Max"])
      .default("Mean")
      .describe("How image probabilities of one breast (patient_id + laterality) are combined. The seed uses Mean."),
  })
  .describe("Aggregation of image probabilities into breast predictions.");
export type Aggregation = z.infer<typeof Aggregation>;

export const InferenceRuntime = withInvariants(
  z
    .object({
      executionProvider: z
        .enum(EXECUTION_PROVIDERS)
        .default("Auto")
        .describe("ONNX Runtime execution provider. Auto picks TensorRT, then CUDA, when the pod has a GPU, else CPU."),
      detectorPrecision: DetectorPrecision,
      batchSize: z.int().min(1).max(256).default(2).describe("Classifier batch size (the seed used 2)."),
      shards: z
        .int()
        .min(1)
        .max(1000)
        .default(1)
        .describe("Parallel shards of the predict stage (an Indexed Job's completions)."),
    })
    .describe("How inference runs."),
  [detectorPrecisionRunsOn("the predict stage")],
);
export type InferenceRuntime = z.infer<typeof InferenceRuntime>;
