import sharp from "sharp";
import { writeFileAtomic } from "../../runtime/index.ts";

/** Encodes a single-channel 8-bit image as a grayscale PNG (lossless, like the seed's cv2.imwrite). */
export async function encodeGray8Png(pixels: Uint8Array, width: number, height: number): Promise<Buffer> {
  // Without the b-w colour space libvips writes raw single-channel input as RGB.
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColourspace("b-w")
    .png({ compressionLevel: 3 })
    .toBuffer();
}

/** Writes the crop by rename: a crop file that exists is complete (what a restarted shard relies on). */
export async function writeGray8Png(file: string, pixels: Uint8Array, width: number, height: number): Promise<void> {
  await writeFileAtomic(file, await encodeGray8Png(pixels, width, height));
}
