export { executeLocalRun, type LocalExecutorOptions, LocalStageError, type StageRun } from "./local-executor.ts";
export { LOCAL_NAMESPACE, LocalPlanError, type LocalStep, planLocalRun } from "./local-plan.ts";
