import { decode as decodePng } from "fast-png";
import sharp from "sharp";

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
 * An 8-bit JPEG (CDD-CESM) as one gray channel. Grayscale JPEGs decode exactly (libjpeg-turbo
 * via libvips, as OpenCV); colour ones are converted by libvips, where OpenCV would take the
 * JPEG's luma plane, so they may differ by a grey level.
 */
export async function decodeGray8Jpeg(bytes: Uint8Array): Promise<GrayImage<Uint8Array>> {
  const { data, info } = await sharp(bytes, { failOn: "error" })
    .toColourspace("b-w")
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one gray channel after decoding, found ${info.channels}`);
  return { rows: info.height, columns: info.width, pixels: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
