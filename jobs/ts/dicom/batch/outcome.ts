import path from "node:path";
import { describeThrown } from "../errors.ts";
import type { DecodeMode } from "./decode-modes.ts";

// What moves between the decode batch's threads: a task, the encoded PNG, the outcome.

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

/** A decoded, rendered and PNG-encoded file (the PNG file's bytes), or why it could not be read. */
export type Encoded =
  | { file: string; ok: true; rows: number; columns: number; png: Uint8Array }
  | Extract<DecodeOutcome, { ok: false }>;

/** The failed outcome of a task: the file's name and the reason (with the errno code when there is one). */
export function failedOutcome(
  task: DecodeTask,
  phase: "read" | "write",
  error: unknown,
): Extract<DecodeOutcome, { ok: false }> {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return {
    file: task.file,
    ok: false,
    error: `${path.basename(task.file)}: ${describeThrown(error)}`,
    phase,
    ...(typeof code === "string" ? { code } : {}),
  };
}
