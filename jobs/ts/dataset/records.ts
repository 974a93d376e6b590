import { readFile } from "node:fs/promises";
import { z } from "zod";
import { DatasetName } from "../../contract/parameters/datasets.ts";
import { writeFileAtomic } from "../runtime/index.ts";

/** What a shard did with one image of its slice. */
export const ImageRecord = z.object({
  dataset: DatasetName,
  key: z.string(),
  file: z.string(),
  status: z.enum(["cropped", "resumed", "failed"]),
  problem: z.enum(["unreadable-file", "label-without-image"]).optional(),
  message: z.string().optional(),
  branch: z.enum(["yolox", "otsu", "full"]).optional(),
  roiError: z.string().optional(),
  laterality: z.string().optional(),
});
export type ImageRecord = z.infer<typeof ImageRecord>;

export const ShardRecords = z.object({
  shard: z.object({ index: z.int(), count: z.int() }),
  /** The number of planned images over all datasets; the merge checks it plans the same. */
  plannedImages: z.int(),
  records: z.array(ImageRecord),
});
export type ShardRecords = z.infer<typeof ShardRecords>;

export async function writeShardRecords(file: string, records: ShardRecords): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(records)}\n`);
}

/** A finished shard's records; undefined when the shard has not finished. */
export async function readShardRecords(file: string): Promise<ShardRecords | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return ShardRecords.parse(JSON.parse(text));
}
