import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { type DecodeOutcome, type DecodeTask, failedOutcome, type Rendered } from "./outcome.ts";

/** Writes to a temporary name next to the target, then renames: a reader never sees a partial file. */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${target}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * zlib level of the PNGs `mammoflow decode` writes: 1 (Z_BEST_SPEED), the level the seed's own
 * PNGs have, since cv2.imwrite's PNG encoder defaults to it (OpenCV's ImwriteFlags docs:
 * "IMWRITE_PNG_COMPRESSION ... Default value is 1 (best speed setting)"; grfmt_png.cpp sets
 * m_compression_level = Z_BEST_SPEED). The pixels are the same at any level; level 1 deflates a
 * 3000×2400 mammogram about 5× faster than sharp's default 6 (0.04 instead of 0.23 CPU-s), for a
 * file 1.5× larger (5.5 instead of 3.6 MB).
 */
export const DECODE_PNG_COMPRESSION = 1;

/** One-channel 8-bit PNG of a row-major grayscale image (sharp loads on first use). */
export async function encodeGrayPng(pixels: Uint8Array, rows: number, columns: number): Promise<Uint8Array> {
  const { default: sharp } = await import("sharp");
  return sharp(pixels, { raw: { width: columns, height: rows, channels: 1 } })
    .toColourspace("b-w")
    .png({ compressionLevel: DECODE_PNG_COMPRESSION })
    .toBuffer();
}

/**
 * Encodes a rendered file's PNG and writes it (the batch's main thread does this for every thread,
 * so sharp loads once per process); a failure to read passes through.
 */
export async function writeRendered(task: DecodeTask, rendered: Rendered): Promise<DecodeOutcome> {
  if (!rendered.ok) return rendered;
  let png: Uint8Array;
  try {
    png = await encodeGrayPng(rendered.pixels, rendered.rows, rendered.columns);
  } catch (error) {
    return failedOutcome(task, "read", error);
  }
  try {
    await writeFileAtomic(task.output, png);
  } catch (error) {
    // Disk full or an unwritable folder: not the input's fault, and a retry may succeed.
    return failedOutcome(task, "write", error);
  }
  return { file: task.file, ok: true, rows: rendered.rows, columns: rendered.columns };
}
