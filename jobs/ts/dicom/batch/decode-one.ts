import { readFile } from "node:fs/promises";
import { readDicom } from "../read-dicom.ts";
import { encodeGrayPng } from "./gray-png.ts";
import { type DecodeOutcome, type DecodeTask, type Encoded, failedOutcome } from "./outcome.ts";
import { renderImage } from "./render.ts";
import { writeEncoded } from "./write-file.ts";

export type { DecodeOutcome, DecodeTask, Encoded } from "./outcome.ts";

/**
 * Reads, decodes, renders and PNG-encodes one file; any failure becomes an outcome naming the
 * file and the reason. This is the decoding threads' part: each encodes its own PNGs, so the
 * encoding scales with the threads; the thread that started them only writes the files.
 */
export async function encodeOne(task: DecodeTask): Promise<Encoded> {
  try {
    // The Buffer itself (a Uint8Array): `new Uint8Array(buffer)` would copy a mammogram's 6–7 MB.
    const image = await readDicom(await readFile(task.file));
    const pixels = renderImage(image, task.mode);
    const png = await encodeGrayPng(pixels, image.rows, image.columns);
    return { file: task.file, ok: true, rows: image.rows, columns: image.columns, png };
  } catch (error) {
    return failedOutcome(task, "read", error);
  }
}

/** Decodes one file and writes its PNG; any failure becomes an outcome naming the file and the reason. */
export async function decodeOne(task: DecodeTask): Promise<DecodeOutcome> {
  return writeEncoded(task, await encodeOne(task));
}
