import type { Aggregation } from "../jobs/contract/parameters/submission.ts";

let aggregation: Promise<Aggregation> | undefined;

/**
 * The aggregate stage's defaults (jobs/contract/parameters/submission.ts), which `predict`'s and
 * `evaluate`'s flags take: its schema is loaded and parsed the first time a command asks, when
 * that command runs (help included), so that registering the commands loads no schema and
 * `mammoflow --help` stays commander only.
 */
export function aggregationDefaults(): Promise<Aggregation> {
  aggregation ??= import("../jobs/contract/parameters/submission.ts").then(({ Aggregation }) => Aggregation.parse({}));
  return aggregation;
}
