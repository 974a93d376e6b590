import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";

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

/** One-channel 8-bit PNG of a row-major grayscale image (sharp loads here: the batch's main thread only writes files). */
export async function encodeGrayPng(pixels: Uint8Array, rows: number, columns: number): Promise<Uint8Array> {
  const { default: sharp } = await import("sharp");
  return sharp(pixels, { raw: { width: columns, height: rows, channels: 1 } })
    .toColourspace("b-w")
    .png()
    .toBuffer();
}
