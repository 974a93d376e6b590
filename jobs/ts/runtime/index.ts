export { sha256File, writeFileAtomic } from "../../contract/files.ts";
export { PROGRESS_INTERVAL_MS, type ProgressFields, ProgressReporter, stageLogger } from "./progress.ts";
export { type RunStageOptions, runStage } from "./run-stage.ts";
export { StageContext, type StageContextOf, type StageFunction, type StagePrograms } from "./stage-context.ts";
export { StageFailure } from "./stage-failure.ts";
