import type { StageError } from "../../contract/result.ts";

type Reason = StageError["reason"];

/** Reasons a retry cannot fix: the Job fails fast on them (exit code 2). */
const PERMANENT_REASONS: ReadonlySet<Reason> = new Set(["BadRequest", "BadInput", "MissingArtifact"]);

/** A stage failure with a contract reason; `file` names the input it is about. */
export class StageFailure extends Error {
  override name = "StageFailure";
  constructor(
    readonly reason: Reason,
    message: string,
    readonly file?: string,
  ) {
    super(message);
  }

  get permanent(): boolean {
    return PERMANENT_REASONS.has(this.reason);
  }

  toError(): StageError {
    return this.file === undefined
      ? { reason: this.reason, message: this.message }
      : { reason: this.reason, message: this.message, file: this.file };
  }
}
