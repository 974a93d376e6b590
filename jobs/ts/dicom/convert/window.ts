import { DicomError } from "../errors.ts";

/** VOI LUT functions the seed accepts (docs/seed-pipeline.md#header-fields); anything else is an error there and here. */
export type VoiLutFunction = "LINEAR" | "LINEAR_EXACT" | "SIGMOID";

export interface WindowParams {
  center: number;
  width: number;
  fn: VoiLutFunction;
}

export function parseVoiLutFunction(value: string): VoiLutFunction {
  if (value === "LINEAR" || value === "LINEAR_EXACT" || value === "SIGMOID") return value;
  throw new DicomError("invalid-window", `VOILUTFunction "${value}" is not LINEAR, LINEAR_EXACT or SIGMOID`);
}

const f32 = Math.fround;

/**
 * The seed's window as a function of one float32 input value (docs/seed-pipeline.md#windowing), with the
 * float32 operation order of its PyTorch kernels: the scalars s and b are computed in float64,
 * then every tensor operation rounds to float32. Output in [0, 255] (SIGMOID: open interval).
 */
export function windowFunction({ center, width, fn }: WindowParams): (x: number) => number {
  if (!(width > 0)) throw new DicomError("invalid-window", `WindowWidth ${width} is not positive`);
  if (fn === "SIGMOID") {
    const c = f32(center);
    const s = f32(-4 / width);
    return (x) => f32(255 / f32(1 + f32(Math.exp(f32(f32(x - c) * s)))));
  }
  const c = fn === "LINEAR" ? center - 0.5 : center;
  const w = fn === "LINEAR" ? width - 1 : width;
  if (!(w > 0)) throw new DicomError("invalid-window", `WindowWidth ${width} is too small for ${fn} (needs > 1)`);
  const s = f32(255 / w);
  const b = f32((-c / w + 0.5) * 255);
  return (x) => {
    const y = f32(f32(x * s) + b);
    return Math.min(Math.max(y, 0), 255);
  };
}
