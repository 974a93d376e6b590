import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { encodeGrayPng } from "./gray-png.ts";
import { type DecodeOutcome, type DecodeTask, failedOutcome, type Rendered } from "./outcome.ts";

/** Writes to a temporary name next to the target, then renames: a reader never sees a partial file. */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${target}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Encodes a rendered file's PNG and writes it (the batch's main thread does this for every thread,
 * while they decode their next file); a failure to read passes through.
 */
export async function writeRendered(task: DecodeTask, rendered: Rendered): Promise<DecodeOutcome> {
  if (!rendered.ok) return rendered;
  let png: Uint8Array;
  try {
    png = await encodeGrayPng(rendered.pixels, rendered.rows, rendered.columns);
  } catch (error) {
    return failedOutcome(task, "read", error);
  }
  try {
    await writeFileAtomic(task.output, png);
  } catch (error) {
    // Disk full or an unwritable folder: not the input's fault, and a retry may succeed.
    return failedOutcome(task, "write", error);
  }
  return { file: task.file, ok: true, rows: rendered.rows, columns: rendered.columns };
}
