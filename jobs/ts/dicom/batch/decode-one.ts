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
  | {
      file: string;
      ok: false;
      error: string;
      /** `read`: the input could not be read or decoded; `write`: its PNG could not be written (errno in `code`). */
      phase: "read" | "write";
      code?: string;
    };

/** Decodes one file and writes its PNG; any failure becomes an outcome naming the file and the reason. */
export async function decodeOne(task: DecodeTask): Promise<DecodeOutcome> {
  const failed = (phase: "read" | "write", error: unknown): DecodeOutcome => {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    return {
      file: task.file,
      ok: false,
      error: `${path.basename(task.file)}: ${describeThrown(error)}`,
      phase,
      ...(typeof code === "string" ? { code } : {}),
    };
  };
  let png: Uint8Array;
  let image: Awaited<ReturnType<typeof readDicom>>;
  try {
    image = await readDicom(new Uint8Array(await readFile(task.file)));
    png = await encodeGrayPng(renderImage(image, task.mode), image.rows, image.columns);
  } catch (error) {
    return failed("read", error);
  }
  try {
    await writeFileAtomic(task.output, png);
  } catch (error) {
    // Disk full or an unwritable folder: not the input's fault, and a retry may succeed.
    return failed("write", error);
  }
  return { file: task.file, ok: true, rows: image.rows, columns: image.columns };
}
