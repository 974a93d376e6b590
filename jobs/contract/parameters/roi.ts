import { z } from "zod";

/** Breast-box selection after the detector (docs/seed-pipeline.md#box-decoding); defaults are the seed's. */
export const RoiSelection = z
  .object({
    confidenceThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe("Minimum detection score (objectness × class probability) of a breast box."),
    nmsIouThreshold: z
      .number()
      .min(0)
      .max(1)
      .default(0.9)
      .describe("IoU threshold of the class-aware NMS (cannot change the top-1 box)."),
    minAreaFraction: z
      .number()
      .min(0)
      .max(1)
      .default(0.04)
      .describe("A box (detector or Otsu) is accepted only if it covers at least this fraction of the image."),
    otsuFallback: z
      .boolean()
      .default(true)
      .describe(
        "When no detector box is accepted, try the Otsu-threshold largest-contour box before falling back to the full frame.",
      ),
  })
  .describe("How the breast region of interest is chosen from the detector output.");
export type RoiSelection = z.infer<typeof RoiSelection>;
