export { forcedStages } from "./forced.ts";
export { hostHasGpu, hostHasTensorRT } from "./gpu.ts";
export {
  executeLocalRun,
  type LocalExecutorOptions,
  type LocalRunOutcome,
  LocalStageError,
  type ProgressDisplay,
  type StageRun,
} from "./local-executor.ts";
export { LOCAL_NAMESPACE, LocalPlanError, type LocalStep, planLocalRun, type WithoutGpu } from "./local-plan.ts";
