import { z } from "zod";
import { PixelConversion } from "../../../jobs/contract/parameters/pixels.ts";
import { RoiSelection } from "../../../jobs/contract/parameters/roi.ts";
import { Aggregation, InferenceRuntime, TestSet } from "../../../jobs/contract/parameters/submission.ts";
import { defaulted, LocalRef, Placement, Suspend } from "../common.ts";
import { BaseStatus } from "../status.ts";
import { defineKind, stageJobSuffix } from "./define.ts";

/**
 * Predictions for a test set: decode, breast ROI, crop, window, 4-fold ensemble (predict,
 * sharded), then the mean per breast, threshold and `submission.csv` (aggregate; seed job J8).
 * With labels, metrics are reported. Waits for its detector and engine.
 */
export const SubmissionSpec = z
  .object({
    detector: LocalRef.describe("The RoiDetectorTraining that provides the breast detector."),
    engine: LocalRef.describe("The EngineBuild that provides the classifier ensemble."),
    testSet: defaulted(TestSet),
    roi: defaulted(RoiSelection),
    pixels: defaulted(
      PixelConversion.extend({
        windowParamPrecision: PixelConversion.shape.windowParamPrecision.default("Float16ForDaliSyntaxes"),
      }).describe(
        "Conversion of raw stored values to 8-bit pixels. Defaults to the seed's test-time behaviour, where JPEG 2000 and JPEG Lossless files went through DALI with float16 window parameters.",
      ),
    ),
    aggregation: defaulted(Aggregation),
    runtime: defaulted(InferenceRuntime),
    placement: defaulted(Placement),
    suspend: Suspend,
  })
  .describe("Desired state of a Submission.");

export const SubmissionStatus = BaseStatus.describe("Observed state of a Submission.");

export const submissionKind = defineKind({
  kind: "Submission",
  plural: "submissions",
  // Not "sub": OLM's and Knative's Subscriptions use it, and `kubectl get sub` would be ambiguous.
  shortNames: ["subm"],
  /** The longer of its stages (predict, aggregate). */
  longestDerivedSuffix: stageJobSuffix("subm", "aggregate"),
  spec: SubmissionSpec,
  status: SubmissionStatus,
  columns: [
    { name: "Engine", type: "string", jsonPath: ".spec.engine.name", description: "Ensemble used." },
    {
      name: "Threshold",
      type: "number",
      jsonPath: ".spec.aggregation.threshold",
      description: "Breast probability threshold.",
    },
    {
      name: "pF1",
      type: "number",
      jsonPath: ".status.metrics.pF1",
      description: "pF1 against the labels, when given.",
      priority: 1,
    },
  ],
});
export const Submission = submissionKind.resource;
export type Submission = z.infer<typeof Submission>;
