import path from "node:path";
import { describeThrown } from "../errors.ts";
import type { DecodeMode } from "./render.ts";

// What moves between the decode batch's threads: a task, the rendered pixels, the outcome.

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

/** A decoded and rendered file (8-bit pixels, row-major), or why it could not be read. */
export type Rendered =
  | { file: string; ok: true; rows: number; columns: number; pixels: Uint8Array }
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
