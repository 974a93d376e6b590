/**
 * What `mammoflow decode` writes for a file (all at full resolution, one 8-bit channel, no crop).
 * Apart from render.ts so that the command checks `--mode` without loading the conversions on
 * its main thread: only the decoding threads render.
 */
export type DecodeMode = "window" | "yolox" | "minmax";

export const DECODE_MODES: readonly DecodeMode[] = ["window", "yolox", "minmax"];
