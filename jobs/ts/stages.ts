import type { StageFunction } from "./runtime/index.ts";

/**
 * The TypeScript stage programs by contract name (jobs/contract/stages.ts lists which stages are
 * TypeScript). `mammoflow stage NAME --request FILE` runs one of them under the stage contract.
 */
export const TS_STAGES: Record<string, StageFunction> = {};
