import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { writeFileAtomic } from "../runtime/index.ts";
import { formatCsv, parseCsv, requireColumns } from "../submit/csv.ts";

/** Folder and index a predict shard writes its thumbnails to, next to probabilities.csv. */
export const THUMBNAILS_DIR = "thumbnails";
export const THUMBNAILS_INDEX = "thumbnails.csv";
/** Wide enough to see the breast and its box; a JPEG of it is ~2-4 KB. */
export const THUMBNAIL_WIDTH = 96;
const JPEG_QUALITY = 70;

/** A thumbnail on disk and the size of the image it shows (the breast box is in those pixels). */
export interface ThumbnailEntry {
  file: string;
  width: number;
  height: number;
  imageWidth: number;
  imageHeight: number;
}

/** The detector's view of an image: the whole image fit-resized to its input (~416 px), 0..255. */
export interface ResizedView {
  pixels: Float32Array;
  height: number;
  width: number;
}

/** A file name for any image_id: itself when it is a plain name, else a hash of it. */
function fileNameOf(imageId: string): string {
  return /^[A-Za-z0-9._-]{1,100}$/.test(imageId) && !imageId.startsWith(".")
    ? `${imageId}.jpg`
    : `${createHash("sha256").update(imageId).digest("hex").slice(0, 32)}.jpg`;
}

/** 8-bit copy of a view (a quarter of its float size while it waits for the encoder). */
function grayOf(view: ResizedView): Uint8Array {
  const gray = new Uint8Array(view.pixels.length);
  for (let i = 0; i < gray.length; i++) gray[i] = Math.min(255, Math.max(0, Math.round(view.pixels[i] as number)));
  return gray;
}

/** The small JPEG of a resized view, at most THUMBNAIL_WIDTH wide (never enlarged). */
export async function encodeThumbnail(
  gray: Uint8Array,
  height: number,
  width: number,
): Promise<{ jpeg: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(gray, { raw: { width, height, channels: 1 } })
    .resize({ width: THUMBNAIL_WIDTH, withoutEnlargement: true })
    .jpeg({ quality: JPEG_QUALITY })
    .toBuffer({ resolveWithObject: true });
  return { jpeg: data, width: info.width, height: info.height };
}

/**
 * Writes each image's thumbnail while predict runs, from the detector's view it computes anyway
 * (no second decode, and the report never decodes the test set again), then the index. Only
 * the index is written atomically: a thumbnail without an index row is never read.
 */
export class ThumbnailWriter {
  private readonly entries = new Map<string, ThumbnailEntry>();
  private readonly pending = new Set<Promise<void>>();
  private ready: Promise<unknown> | undefined;
  readonly failures: { imageId: string; message: string }[] = [];

  constructor(private readonly dir: string) {}

  /** Queues one image; the copy to 8 bits happens now, so the caller may reuse `view`. */
  add = (imageId: string, view: ResizedView, imageHeight: number, imageWidth: number): void => {
    this.ready ??= mkdir(path.join(this.dir, THUMBNAILS_DIR), { recursive: true });
    const gray = grayOf(view);
    const name = fileNameOf(imageId);
    const job = (async () => {
      await this.ready;
      const thumbnail = await encodeThumbnail(gray, view.height, view.width);
      await writeFile(path.join(this.dir, THUMBNAILS_DIR, name), thumbnail.jpeg);
      this.entries.set(imageId, {
        file: `${THUMBNAILS_DIR}/${name}`,
        width: thumbnail.width,
        height: thumbnail.height,
        imageWidth,
        imageHeight,
      });
    })().catch((error: Error) => {
      this.failures.push({ imageId, message: `no thumbnail: ${error.message}` });
    });
    this.pending.add(job);
    void job.then(() => this.pending.delete(job));
  };

  /** Waits for the queued thumbnails and writes the index; returns its path. */
  async finish(): Promise<string> {
    await Promise.all(this.pending);
    const rows = [...this.entries].map(([id, e]) => [id, e.file, e.width, e.height, e.imageWidth, e.imageHeight]);
    const file = path.join(this.dir, THUMBNAILS_INDEX);
    await writeFileAtomic(
      file,
      formatCsv(["image_id", "file", "width", "height", "image_width", "image_height"], rows),
    );
    return file;
  }
}

/** Every thumbnails.csv under a predict stage folder (one per shard), by image_id; files made absolute. */
export async function readThumbnailIndex(predictionsDir: string): Promise<Map<string, ThumbnailEntry>> {
  const found = await readdir(predictionsDir, { recursive: true, withFileTypes: true });
  const indexes = found
    .filter((e) => e.isFile() && e.name === THUMBNAILS_INDEX)
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  const entries = new Map<string, ThumbnailEntry>();
  for (const index of indexes) {
    const table = parseCsv(await readFile(index, "utf8"), index);
    requireColumns(table, index, ["image_id", "file", "width", "height", "image_width", "image_height"]);
    for (const row of table.rows) {
      entries.set(row.image_id as string, {
        file: path.join(path.dirname(index), row.file as string),
        width: Number(row.width),
        height: Number(row.height),
        imageWidth: Number(row.image_width),
        imageHeight: Number(row.image_height),
      });
    }
  }
  return entries;
}
