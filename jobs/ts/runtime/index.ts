export { sha256File, writeFileAtomic } from "../../contract/files.ts";
export { RESULT_FILE, type RunStageOptions, runStage } from "./run-stage.ts";
export { StageContext, type StageFunction } from "./stage-context.ts";
export { StageFailure } from "./stage-failure.ts";
