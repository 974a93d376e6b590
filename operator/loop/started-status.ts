import type { StageObservation } from "../pipeline/observation.ts";
import { type Decision, decideStatus, type StagesInput } from "../pipeline/status.ts";

/**
 * The decision once stage `stageId` started, with the executor's observation of it right after
 * the start (on a cluster its Job as the server stored it, without pods yet). The status reported
 * after a start then already says what the next pass would say, so a cluster writes it once: one
 * status write per start, not two (stage Pending, then Running with its Job).
 */
export function decideAfterStart(input: StagesInput, stageId: string, observation: StageObservation): Decision {
  return decideStatus({ ...input, observations: { ...input.observations, [stageId]: observation } });
}
