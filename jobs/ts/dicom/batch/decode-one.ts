import { readFile } from "node:fs/promises";
import { readDicom } from "../read-dicom.ts";
import { type DecodeOutcome, type DecodeTask, failedOutcome, type Rendered } from "./outcome.ts";
import { renderImage } from "./render.ts";
import { writeRendered } from "./write-file.ts";

export type { DecodeOutcome, DecodeTask, Rendered } from "./outcome.ts";

/**
 * Reads, decodes and renders one file; any failure becomes an outcome naming the file and the
 * reason. This is the decoding threads' part; the PNG is the main thread's.
 */
export async function renderOne(task: DecodeTask): Promise<Rendered> {
  try {
    // The Buffer itself (a Uint8Array): `new Uint8Array(buffer)` would copy a mammogram's 6–7 MB.
    const image = await readDicom(await readFile(task.file));
    return {
      file: task.file,
      ok: true,
      rows: image.rows,
      columns: image.columns,
      pixels: renderImage(image, task.mode),
    };
  } catch (error) {
    return failedOutcome(task, "read", error);
  }
}

/** Decodes one file and writes its PNG; any failure becomes an outcome naming the file and the reason. */
export async function decodeOne(task: DecodeTask): Promise<DecodeOutcome> {
  return writeRendered(task, await renderOne(task));
}
