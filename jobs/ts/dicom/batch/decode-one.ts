import { readFile } from "node:fs/promises";
import path from "node:path";
import { describeThrown } from "../errors.ts";
import { readDicom } from "../read-dicom.ts";
import { type DecodeMode, renderImage } from "./render.ts";
import { encodeGrayPng, writeFileAtomic } from "./write-file.ts";

export interface DecodeTask {
  file: string;
  output: string;
  mode: DecodeMode;
}

export type DecodeOutcome =
  | { file: string; ok: true; rows: number; columns: number }
  | { file: string; ok: false; error: string };

/** Decodes one file and writes its PNG; any failure becomes an outcome naming the file and the reason. */
export async function decodeOne(task: DecodeTask): Promise<DecodeOutcome> {
  try {
    const image = await readDicom(new Uint8Array(await readFile(task.file)));
    const png = await encodeGrayPng(renderImage(image, task.mode), image.rows, image.columns);
    await writeFileAtomic(task.output, png);
    return { file: task.file, ok: true, rows: image.rows, columns: image.columns };
  } catch (error) {
    return { file: task.file, ok: false, error: `${path.basename(task.file)}: ${describeThrown(error)}` };
  }
}
