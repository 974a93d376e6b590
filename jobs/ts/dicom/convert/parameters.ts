import { z } from "zod";

/**
 * The API's PixelConversion (jobs/contract/parameters/pixels.ts) as stage parameters: every field
 * optional, the conversion functions fill the seed's defaults.
 */
export const PixelParameters = z
  .object({
    windowIndex: z.int().min(0),
    windowParamPrecision: z.enum(["Float64", "Float16ForDaliSyntaxes"]),
    applyRescale: z.boolean(),
    applyVoiLutSequence: z.boolean(),
  })
  .partial();
