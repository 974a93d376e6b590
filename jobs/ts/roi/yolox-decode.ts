const f32 = Math.fround;

/** YOLOX-nano's output levels: strides 8, 16, 32, in that order (docs/seed-pipeline.md#detector-output). */
export const YOLOX_STRIDES: readonly number[] = [8, 16, 32];

/** Values per anchor in the raw output: tx, ty, tw, th, obj, cls (obj and cls already sigmoid-ed). */
export const YOLOX_CHANNELS = 6;

/** One output level: a gridHeight × gridWidth grid of anchors, row-major, starting at `first`. */
interface GridLevel {
  stride: number;
  gridWidth: number;
  gridHeight: number;
  first: number;
}

/** The anchor layout of a detector input size (52² + 26² + 13² = 3549 anchors at 416×416). */
export interface YoloxGrid {
  levels: GridLevel[];
  anchors: number;
}

export function yoloxGrid(inputHeight: number, inputWidth: number, strides = YOLOX_STRIDES): YoloxGrid {
  const levels: GridLevel[] = [];
  let first = 0;
  for (const stride of strides) {
    if (inputHeight % stride !== 0 || inputWidth % stride !== 0) {
      throw new RangeError(`detector input ${inputHeight}×${inputWidth} is not a multiple of stride ${stride}`);
    }
    const level = { stride, gridWidth: inputWidth / stride, gridHeight: inputHeight / stride, first };
    levels.push(level);
    first += level.gridWidth * level.gridHeight;
  }
  return { levels, anchors: first };
}

/** One decoded anchor in detector-input pixels, float32 like the seed's tensors. */
export interface YoloxDetection {
  anchor: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** obj · cls in float32. */
  score: number;
}

/**
 * `decode_outputs` and the corner conversion of `post_process` for one anchor, in float32:
 * cx = (tx + gx)·s, w = exp(tw)·s, x0 = cx − w/2 (docs/seed-pipeline.md#box-decoding).
 */
export function decodeAnchor(output: Float32Array, grid: YoloxGrid, anchor: number): YoloxDetection {
  const level = grid.levels.findLast((l) => l.first <= anchor);
  if (!level || anchor >= grid.anchors) throw new RangeError(`anchor ${anchor} is outside the detector output`);
  const cell = anchor - level.first;
  const gx = cell % level.gridWidth;
  const gy = (cell - gx) / level.gridWidth;
  const s = level.stride;
  const o = anchor * YOLOX_CHANNELS;
  const cx = f32(f32((output[o] as number) + gx) * s);
  const cy = f32(f32((output[o + 1] as number) + gy) * s);
  const halfW = f32(f32(f32(Math.exp(output[o + 2] as number)) * s) / 2);
  const halfH = f32(f32(f32(Math.exp(output[o + 3] as number)) * s) / 2);
  return {
    anchor,
    x0: f32(cx - halfW),
    y0: f32(cy - halfH),
    x1: f32(cx + halfW),
    y1: f32(cy + halfH),
    score: f32((output[o + 4] as number) * (output[o + 5] as number)),
  };
}

/** Every anchor decoded (for inspection and parity tests). */
export function decodeYoloxOutput(output: Float32Array, grid: YoloxGrid): YoloxDetection[] {
  checkOutputSize(output, grid);
  return Array.from({ length: grid.anchors }, (_, anchor) => decodeAnchor(output, grid, anchor));
}

/**
 * The box `detect_single` keeps: among anchors with obj·cls ≥ the confidence threshold, the
 * highest score (first anchor on ties). The seed's class-aware NMS runs in between, but it
 * never removes the highest-scoring box, so it cannot change this choice.
 */
export function topYoloxDetection(
  output: Float32Array,
  grid: YoloxGrid,
  confidenceThreshold: number,
): YoloxDetection | undefined {
  checkOutputSize(output, grid);
  const threshold = f32(confidenceThreshold);
  let best = -1;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let anchor = 0; anchor < grid.anchors; anchor++) {
    const o = anchor * YOLOX_CHANNELS;
    const score = f32((output[o + 4] as number) * (output[o + 5] as number));
    if (score >= threshold && score > bestScore) {
      best = anchor;
      bestScore = score;
    }
  }
  return best < 0 ? undefined : decodeAnchor(output, grid, best);
}

function checkOutputSize(output: Float32Array, grid: YoloxGrid): void {
  if (output.length !== grid.anchors * YOLOX_CHANNELS) {
    throw new RangeError(
      `detector output has ${output.length} values; ${grid.anchors} anchors × ${YOLOX_CHANNELS} were expected`,
    );
  }
}
