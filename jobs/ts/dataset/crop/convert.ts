import {
  type DicomImage,
  type PixelConversionOptions,
  percentileMinMaxScale,
  percentileMinMaxUint8,
  windowedUint8,
  yoloxInputFloat,
} from "../../dicom/index.ts";
import { type BoxFinder, boxSize, cropRegion, type FoundBox, findBoxOrFullFrame } from "./box.ts";
import type { GrayImage } from "./decode.ts";

/** An 8-bit crop at crop resolution, as the seed stores training images. */
export interface Crop {
  pixels: Uint8Array;
  width: number;
  height: number;
  found: FoundBox & { error?: string };
}

/**
 * Path B (docs/seed-pipeline.md#path-b--classifier-training-crops; RSNA, VinDr, CMMD, BMCD): YOLOX input from the min-max of the
 * int16 raw image (inverted for MONOCHROME1), box, crop of the raw integers, window #0 (or
 * min-max), inversion, truncation to uint8.
 */
export async function cropDicom(
  image: DicomImage,
  finder: BoxFinder,
  pixels: Partial<PixelConversionOptions>,
): Promise<Crop> {
  const found = await findBoxOrFullFrame(finder, yoloxInputFloat(image), image.rows, image.columns);
  const { width, height } = boxSize(found.box, image.rows, image.columns);
  return { pixels: windowedUint8(image, pixels, found.box), width, height, found };
}

/**
 * Path D for MiniDDSM's 16-bit PNGs: YOLOX input = percentile min-max ×255 of the whole image
 * (no inversion), crop of the uint16 image, output = uint8(percentile min-max of the crop ×255).
 */
export async function cropGray16(image: GrayImage<Uint16Array>, finder: BoxFinder): Promise<Crop> {
  const scaled = percentileMinMaxScale(image.pixels);
  const yolox = new Float32Array(scaled.length);
  for (let i = 0; i < scaled.length; i++) yolox[i] = (scaled[i] as number) * 255;
  return cropPercentile(image, yolox, finder);
}

/** Path D for CDD-CESM's 8-bit JPEGs: YOLOX input = the uint8 image as float. */
export async function cropGray8(image: GrayImage<Uint8Array>, finder: BoxFinder): Promise<Crop> {
  return cropPercentile(image, Float32Array.from(image.pixels), finder);
}

async function cropPercentile(
  image: GrayImage<Uint8Array | Uint16Array>,
  yolox: Float32Array,
  finder: BoxFinder,
): Promise<Crop> {
  const found = await findBoxOrFullFrame(finder, yolox, image.rows, image.columns);
  const region = cropRegion(image.pixels, image.columns, found.box);
  const { width, height } = boxSize(found.box, image.rows, image.columns);
  return { pixels: percentileMinMaxUint8(region), width, height, found };
}
