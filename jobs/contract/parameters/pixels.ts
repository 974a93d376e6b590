import { z } from "zod";

/**
 * How raw DICOM integers become 8-bit pixels (docs/seed-pipeline.md#dicom-decoding). Defaults reproduce the
 * seed: window #0 in float64, no modality LUT, no VOI LUT sequence.
 */
export const PixelConversion = z
  .object({
    windowIndex: z
      .int()
      .min(0)
      .max(15)
      .default(0)
      .describe("Which VOI window of a multi-valued WindowCenter/WindowWidth pair to apply. The seed always uses 0."),
    windowParamPrecision: z
      .enum(["Float64", "Float16ForDaliSyntaxes"])
      .default("Float64")
      .describe(
        "Float64: window centre/width used as read (the seed's dicomsdl path, all training data). Float16ForDaliSyntaxes: round centre/width to IEEE binary16 for JPEG 2000 (.90) and JPEG Lossless SV1 (.70) files, as the seed's GPU (DALI) test-time path did (docs/seed-pipeline.md#windowing).",
      ),
    applyRescale: z
      .boolean()
      .default(false)
      .describe("Apply RescaleSlope/RescaleIntercept before windowing. The seed ignores them; off for parity."),
    applyVoiLutSequence: z
      .boolean()
      .default(false)
      .describe(
        "Use an explicit VOI LUT Sequence (0028,3010) when present instead of the window. The seed ignores it; off for parity.",
      ),
  })
  .describe("Conversion of raw stored DICOM values to 8-bit pixels.");
export type PixelConversion = z.infer<typeof PixelConversion>;
