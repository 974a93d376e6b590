import { decode as decodePng } from "fast-png";
import sharp from "sharp";
import { jpegLuma } from "./jpeg-luma.ts";

/** A single-channel raster, row-major. */
export interface GrayImage<T extends Uint8Array | Uint16Array> {
  rows: number;
  columns: number;
  pixels: T;
}

/**
 * A 16-bit grayscale PNG (MiniDDSM) as `cv2.imread(path, IMREAD_ANYDEPTH)` returns it when the
 * seed's `assert img.dtype == np.uint16` holds; anything else is refused with the reason.
 */
export function decodeGray16Png(bytes: Uint8Array): GrayImage<Uint16Array> {
  const png = decodePng(bytes);
  if (png.depth !== 16 || !(png.data instanceof Uint16Array)) {
    throw new Error(`expected a 16-bit PNG, found ${png.depth}-bit`);
  }
  if (png.channels !== 1) throw new Error(`expected a 1-channel (grayscale) PNG, found ${png.channels} channels`);
  return { rows: png.height, columns: png.width, pixels: png.data };
}

/**
 * An 8-bit JPEG (CDD-CESM) as one gray channel, as the seed's `cv2.imread(path,
 * IMREAD_ANYDEPTH)` reads it. Grayscale JPEGs decode exactly through libvips (libjpeg-turbo, as
 * OpenCV). For colour JPEGs OpenCV has libjpeg output gray, i.e. the decoded luma (Y) plane;
 * `jpegLuma` reproduces that for sequential Huffman YCbCr files (what encoders write by
 * default). Other colour JPEGs (progressive, arithmetic-coded, RGB- or CMYK-coded) fall back to
 * libvips' RGB→B-W conversion, which can differ by a few grey levels. EXIF orientation, which
 * OpenCV applies, is ignored in both cases.
 */
export async function decodeGray8Jpeg(bytes: Uint8Array): Promise<GrayImage<Uint8Array>> {
  const luma = jpegLuma(bytes);
  if (luma) return luma;
  const { data, info } = await sharp(bytes, { failOn: "error" })
    .toColourspace("b-w")
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one gray channel after decoding, found ${info.channels}`);
  return { rows: info.height, columns: info.width, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
