import { open, readFile } from "node:fs/promises";
import path from "node:path";
import { canonicalJson } from "../../contract/canonical-json.ts";
import { writeFileAtomic } from "../runtime/index.ts";

/** What decides a crop's pixels besides its source file: reused crops must have been made with the same. */
export interface CropSettings {
  pixels: Record<string, unknown>;
  roi: Record<string, unknown>;
  /** SHA-256 of the detector ONNX, or null for the full frame. */
  detectorSha256: string | null;
  /**
   * Present only when the detector ran as an fp16 TensorRT engine, whose boxes can differ from the
   * float32 graph's; absent for float32, so folders cropped before the field existed stay valid.
   */
  detectorPrecision?: "Fp16";
}

export const cropSettingsFile = (root: string) => path.join(root, "crop-settings.json");

/**
 * Claims the stage folder's crops for `settings`: the first shard writes the file (exclusive
 * create, so concurrent shards cannot both write), the others and every retry compare. Returns
 * the settings found when they differ: crops made otherwise must not be reused as finished.
 */
export async function claimCropSettings(root: string, settings: CropSettings): Promise<CropSettings | undefined> {
  const file = cropSettingsFile(root);
  const text = `${canonicalJson(settings)}\n`;
  try {
    const handle = await open(file, "wx");
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const found = await readFile(file, "utf8");
  // A shard that crashed between create and write leaves an empty file: claim it again.
  if (found.trim() === "") {
    await writeFileAtomic(file, text);
    return undefined;
  }
  return found === text ? undefined : (JSON.parse(found) as CropSettings);
}
