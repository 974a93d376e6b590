const f32 = Math.fround;

/** Output size and ratio of the seed's fit-resize into a target box. */
export interface FitSize {
  /** `min(targetH/H, targetW/W)` in float64, as the seed's Python computes it. */
  ratio: number;
  height: number;
  width: number;
}

/**
 * `F.interpolate(scale_factor=r, recompute_scale_factor=True)` sizes: torch floors `size·r` in
 * float64 and then forgets r, so the kernel samples with `in/out`, not `1/r`.
 */
export function fitSize(height: number, width: number, targetHeight: number, targetWidth: number): FitSize {
  if (!(height > 0 && width > 0)) throw new RangeError(`cannot resize an empty ${height}×${width} image`);
  const ratio = Math.min(targetHeight / height, targetWidth / width);
  const out = { ratio, height: Math.floor(height * ratio), width: Math.floor(width * ratio) };
  if (out.height < 1 || out.width < 1) {
    throw new RangeError(`a ${height}×${width} image fit into ${targetHeight}×${targetWidth} has no pixels left`);
  }
  return out;
}

/** Per output index along one axis: the two source indices and their weights (torch's HelperInterpLinear). */
interface AxisTable {
  index0: Int32Array;
  index1: Int32Array;
  weight0: Float32Array;
  weight1: Float32Array;
}

/**
 * Source positions of torch's CPU bilinear kernel (align_corners=False) in its float32 arithmetic:
 * `scale = f32(in/out)`, `src = max(scale·(dst+0.5) − 0.5, 0)`, index = floor(src) capped at
 * in−1, λ = src − index clamped to [0,1]; same size copies.
 */
function axisTable(inSize: number, outSize: number): AxisTable {
  const table: AxisTable = {
    index0: new Int32Array(outSize),
    index1: new Int32Array(outSize),
    weight0: new Float32Array(outSize),
    weight1: new Float32Array(outSize),
  };
  const scale = f32(inSize / outSize);
  for (let dst = 0; dst < outSize; dst++) {
    if (inSize === outSize) {
      table.index0[dst] = dst;
      table.index1[dst] = dst;
      table.weight0[dst] = 1;
      table.weight1[dst] = 0;
      continue;
    }
    let src = f32(f32(scale * f32(dst + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const index = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.min(Math.max(f32(src - index), 0), 1);
    table.index0[dst] = index;
    table.index1[dst] = index + (index < inSize - 1 ? 1 : 0);
    table.weight0[dst] = f32(1 - lambda);
    table.weight1[dst] = lambda;
  }
  return table;
}

/**
 * `x0·w0 + x1·w1` as torch's CPU kernel computes it on x86-64 with FMA: the second product is
 * rounded to float32, the first is fused into the addition (both products are exact in float64).
 */
function blend(x0: number, w0: number, x1: number, w1: number): number {
  return f32(x0 * w0 + f32(x1 * w1));
}

/**
 * Bilinear resize of a row-major single-channel image with PyTorch's semantics
 * (`mode='bilinear'`, align_corners=False, no antialias): each output is
 * `h0·(w0·a + w1·b) + h1·(w0·c + w1·d)` in float32 with torch's fused multiply-adds (checked
 * bit for bit against torch's CPU kernel). The seed ran the CUDA kernel, whose fusing may differ
 * by a float32 ulp (docs/seed-pipeline.md#parity-tolerances, P4 and P7).
 */
export function resizeBilinearTorch(
  source: ArrayLike<number>,
  inHeight: number,
  inWidth: number,
  outHeight: number,
  outWidth: number,
): Float32Array {
  if (source.length !== inHeight * inWidth) {
    throw new RangeError(`image has ${source.length} pixels, expected ${inHeight}×${inWidth}`);
  }
  const rowAt = ArrayBuffer.isView(source)
    ? (y: number) => (source as Float32Array).subarray(y * inWidth, (y + 1) * inWidth)
    : (y: number) => Array.prototype.slice.call(source, y * inWidth, (y + 1) * inWidth) as number[];
  return resizeRowsBilinearTorch(rowAt, inHeight, inWidth, outHeight, outWidth);
}

/** One source row, inWidth values: how a resize reads an image it need not hold whole. */
export type RowSource = (y: number) => ArrayLike<number>;

/**
 * `resizeBilinearTorch` reading the source a row at a time: a fit-resize to a few hundred rows
 * reads at most two source rows per output row, so a caller can compute only those.
 */
export function resizeRowsBilinearTorch(
  rowAt: RowSource,
  inHeight: number,
  inWidth: number,
  outHeight: number,
  outWidth: number,
): Float32Array {
  const rows = axisTable(inHeight, outHeight);
  const cols = axisTable(inWidth, outWidth);
  const out = new Float32Array(outHeight * outWidth);
  const { index0: c0, index1: c1, weight0: cw0, weight1: cw1 } = cols;
  for (let y = 0; y < outHeight; y++) {
    const top = rowAt(rows.index0[y] as number);
    const bottom = rowAt(rows.index1[y] as number);
    const h0 = rows.weight0[y] as number;
    const h1 = rows.weight1[y] as number;
    const base = y * outWidth;
    for (let x = 0; x < outWidth; x++) {
      const i0 = c0[x] as number;
      const i1 = c1[x] as number;
      const w0 = cw0[x] as number;
      const w1 = cw1[x] as number;
      const upper = blend(top[i0] as number, w0, top[i1] as number, w1);
      const lower = blend(bottom[i0] as number, w0, bottom[i1] as number, w1);
      out[base + x] = blend(upper, h0, lower, h1);
    }
  }
  return out;
}
