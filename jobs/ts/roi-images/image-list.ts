import { readFile } from "node:fs/promises";
import path from "node:path";

/** The YOLOv5 lists of the detector set (docs/seed-pipeline.md#detector-labels): train first, then val, as the seed reads them. */
export const IMAGE_LISTS = ["train.txt", "val.txt"] as const;

/** One labelled image: `images/{patient_id}@{image_id}.png` in train.txt or val.txt. */
export interface ListedImage {
  patientId: string;
  imageId: string;
  /** The PNG roi-dataset looks for: `{patient_id}@{image_id}.png`. */
  name: string;
}

/** A list file that is missing, or a line that is not `images/<patient_id>@<image_id>.png`. */
export class ImageListError extends Error {
  override name = "ImageListError";
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
  }
}

// Ids become folder and file names under the DICOM root, so they may not hold a separator.
const ENTRY = /^images\/([^/\\@\s]+)@([^/\\@\s]+)\.png$/;
const isPathStep = (id: string) => id === "." || id === "..";

/** The images of one list, blank lines skipped (like the seed's reader); a malformed line names its file and line. */
export function parseImageList(text: string, file: string): ListedImage[] {
  const images: ListedImage[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const match = ENTRY.exec(line);
    const [patientId, imageId] = [match?.[1] ?? "", match?.[2] ?? ""];
    if (!match || isPathStep(patientId) || isPathStep(imageId)) {
      throw new ImageListError(
        `${file} line ${index + 1}: ${JSON.stringify(line)} is not images/<patient_id>@<image_id>.png`,
        file,
      );
    }
    images.push({ patientId, imageId, name: `${patientId}@${imageId}.png` });
  }
  return images;
}

/** Every image of train.txt and val.txt in list order, each once (an image listed twice is decoded once). */
export async function readImageLists(labelsDir: string): Promise<ListedImage[]> {
  const seen = new Set<string>();
  const images: ListedImage[] = [];
  for (const list of IMAGE_LISTS) {
    const file = path.join(labelsDir, list);
    const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
      throw new ImageListError(`labels folder ${labelsDir} has no readable ${list} (${error.code})`, file);
    });
    for (const image of parseImageList(text, file)) {
      if (seen.has(image.name)) continue;
      seen.add(image.name);
      images.push(image);
    }
  }
  return images;
}
