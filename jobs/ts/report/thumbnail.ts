import { readFile } from "node:fs/promises";
import sharp from "sharp";
import { readDicom, windowedUint8 } from "../dicom/index.ts";

export interface Thumbnail {
  png: Uint8Array;
  width: number;
  height: number;
  imageWidth: number;
  imageHeight: number;
}

/**
 * The whole image as the classifier sees its crop (path B: window #0, inversion), downscaled to
 * `width` pixels for the report.
 */
export async function dicomThumbnail(file: string, width: number): Promise<Thumbnail> {
  const image = await readDicom(await readFile(file));
  const pixels = windowedUint8(image);
  const height = Math.max(1, Math.round((image.rows * width) / image.columns));
  const png = await sharp(pixels, { raw: { width: image.columns, height: image.rows, channels: 1 } })
    .resize({ width, height, fit: "fill" })
    .toColourspace("b-w")
    .png()
    .toBuffer();
  return { png, width, height, imageWidth: image.columns, imageHeight: image.rows };
}
