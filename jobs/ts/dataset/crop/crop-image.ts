import { readFile } from "node:fs/promises";
import { type PixelConversionOptions, readDicom } from "../../dicom/index.ts";
import type { ImageFacts, ImageFormat } from "../types.ts";
import type { BoxFinder } from "./box.ts";
import { type Crop, cropDicom, cropGray8, cropGray16 } from "./convert.ts";
import { decodeGray8Jpeg, decodeGray16Png } from "./decode.ts";

export interface CropOptions {
  finder: BoxFinder;
  pixels: Partial<PixelConversionOptions>;
}

/** Why an image yields no crop, as the report names it. */
export class ImageFailure extends Error {
  constructor(
    readonly kind: "unreadable-file" | "label-without-image",
    message: string,
  ) {
    super(message);
  }
}

/**
 * "Image → crop": reads one source file, picks the seed's conversion path by format, and
 * returns the 8-bit crop plus the facts a label rule needs (CMMD's laterality).
 */
export async function cropImage(
  file: string,
  format: ImageFormat,
  options: CropOptions,
): Promise<{ crop: Crop; facts: ImageFacts }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ImageFailure("label-without-image", "the labelled image file does not exist");
    throw new ImageFailure("unreadable-file", `cannot read the file (${code ?? String(error)})`);
  }
  try {
    if (format === "dicom") {
      const image = await readDicom(bytes);
      const crop = await cropDicom(image, options.finder, options.pixels);
      return { crop, facts: image.header.laterality ? { laterality: image.header.laterality } : {} };
    }
    if (format === "png16") return { crop: await cropGray16(decodeGray16Png(bytes), options.finder), facts: {} };
    return { crop: await cropGray8(await decodeGray8Jpeg(bytes), options.finder), facts: {} };
  } catch (error) {
    throw new ImageFailure("unreadable-file", error instanceof Error ? error.message : String(error));
  }
}
