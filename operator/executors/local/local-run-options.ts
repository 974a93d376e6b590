// What a local run is given and what it reports, shared by the run (local-executor.ts) and the
// executor of its stages (local-stage-executor.ts).
import type { StageProgress } from "../../../jobs/contract/progress.ts";
import type { StageResult } from "../../../jobs/contract/result.ts";
import type { ResourceStatus } from "../../pipeline/status.ts";
import type { Hold } from "./suspension.ts";

export interface LocalExecutorOptions {
  /** Absolute storage root; every request path is relative to it. */
  storageRoot: string;
  /** Repository (or image) root holding bin/mammoflow.js, the TypeScript stage entry. */
  appRoot: string;
  /** Python interpreter with mammoflow_jobs installed. */
  python: string;
  log: (line: string) => void;
  /** Shows a running stage's progress events (a bar on a terminal, periodic lines elsewhere). */
  progress?: ProgressDisplay;
  /** Stages run whatever result stands for them (`--force`), as `Kind/name/stage-id` (forced.ts). */
  force?: ReadonlySet<string>;
  /** Told of each resource spec.suspend keeps from starting, itself or behind what it needs (suspension.ts). */
  onHold?: (hold: Hold) => void;
}

/** Where a running stage's progress goes: started with the stage, stopped before its outcome is logged. */
export interface ProgressDisplay {
  start(label: string): void;
  update(event: StageProgress): void;
  stop(): void;
}

export interface StageRun {
  resource: string;
  stage: string;
  shard?: string;
  /** cached: its own result stands; reused: the same work's result was copied from another stage folder. */
  outcome: "ran" | "cached" | "reused";
  /** Where a reused result came from, e.g. `reused from Submission/demo/predict/0`. */
  reusedFrom?: string;
  /** Absolute folder of the stage's (or shard's) request and result. */
  folder: string;
  seconds: number;
  result: StageResult;
}

export class LocalStageError extends Error {
  override name = "LocalStageError";
}

/** What a local run did: its stages, and the status it last wrote for each resource, by `Kind/name`, in the order first written. */
export interface LocalRunOutcome {
  runs: StageRun[];
  statuses: ReadonlyMap<string, ResourceStatus>;
}
