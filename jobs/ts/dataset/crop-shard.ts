import { access, readFile } from "node:fs/promises";
import { readDicomHeader } from "../dicom/index.ts";
import { type CropOptions, cropImage, ImageFailure } from "./crop/crop-image.ts";
import { writeGray8Png } from "./crop/png.ts";
import { cropFile } from "./layout.ts";
import type { ImageRecord } from "./records.ts";
import { imageKey } from "./types.ts";
import type { WorkItem } from "./work.ts";

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Facts of an image cropped by an earlier attempt: only the header is needed again. */
async function resumedFacts(item: WorkItem): Promise<{ laterality?: string }> {
  if (!item.needsFacts || item.image.format !== "dicom") return {};
  try {
    const { header } = readDicomHeader(await readFile(item.image.file));
    return header.laterality ? { laterality: header.laterality } : {};
  } catch (error) {
    throw new ImageFailure("unreadable-file", `cannot read the header again: ${(error as Error).message}`);
  }
}

/**
 * Crops one image, or reuses the crop an earlier attempt finished (crops are written by rename,
 * so an existing file is complete): a retried shard redoes only what it had not finished.
 */
export async function cropItem(item: WorkItem, root: string, options: CropOptions): Promise<ImageRecord> {
  const key = imageKey(item.image);
  const base = { dataset: item.dataset, key, file: item.image.file };
  const target = cropFile(root, item.dataset, key);
  try {
    if (await exists(target)) return { ...base, status: "resumed", ...(await resumedFacts(item)) };
    const { crop, facts } = await cropImage(item.image.file, item.image.format, options);
    if (crop.width <= 0 || crop.height <= 0) {
      throw new ImageFailure("unreadable-file", `the breast box is empty (${crop.width}×${crop.height})`);
    }
    await writeGray8Png(target, crop.pixels, crop.width, crop.height);
    return {
      ...base,
      status: "cropped",
      branch: crop.found.source,
      ...(crop.found.error ? { roiError: crop.found.error } : {}),
      ...(facts.laterality ? { laterality: facts.laterality } : {}),
    };
  } catch (error) {
    if (!(error instanceof ImageFailure)) throw error;
    return { ...base, status: "failed", problem: error.kind, message: error.message };
  }
}

/** Crops a shard's slice in order; `progress` hears about every image. */
export async function cropShard(
  items: readonly WorkItem[],
  root: string,
  options: CropOptions,
  progress: (done: number, record: ImageRecord) => void = () => {},
): Promise<ImageRecord[]> {
  const records: ImageRecord[] = [];
  for (const item of items) {
    const record = await cropItem(item, root, options);
    records.push(record);
    progress(records.length, record);
  }
  return records;
}
