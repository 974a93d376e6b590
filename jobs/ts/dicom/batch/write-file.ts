import { rename, rm, writeFile } from "node:fs/promises";
import { type DecodeOutcome, type DecodeTask, type Encoded, failedOutcome } from "./outcome.ts";

/**
 * Writes to a temporary name next to the target, then renames: a reader never sees a partial file.
 * No fsync (a batch of thousands of PNGs is redone, not recovered; contract/files.ts's version is
 * for results that must survive a crash). The name's suffix needs no node:crypto, which would cost
 * every decoding thread a few milliseconds to load.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    await writeFile(temporary, data);
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Writes an encoded file's PNG (the batch's main thread does this for every thread); a failure to read passes through. */
export async function writeEncoded(task: DecodeTask, encoded: Encoded): Promise<DecodeOutcome> {
  if (!encoded.ok) return encoded;
  try {
    await writeFileAtomic(task.output, encoded.png);
  } catch (error) {
    // Disk full or an unwritable folder: not the input's fault, and a retry may succeed.
    return failedOutcome(task, "write", error);
  }
  return { file: task.file, ok: true, rows: encoded.rows, columns: encoded.columns };
}
