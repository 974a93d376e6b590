import { z } from "zod";

/** The API's RoiSelection (jobs/contract/parameters/roi.ts) as stage parameters, every field optional. */
export const RoiParameters = z
  .object({
    confidenceThreshold: z.number().min(0).max(1),
    nmsIouThreshold: z.number().min(0).max(1),
    minAreaFraction: z.number().min(0).max(1),
    otsuFallback: z.boolean(),
  })
  .partial();
