import type { Phase } from "../api/status.ts";
import { setConditions } from "./conditions.ts";
import { type ChildView, type ReproductionSummary, reproductionArtifacts, summarizeChildren } from "./reproduction.ts";
import type { ResourceStatus, StatusBaseInput } from "./status.ts";

/** What a Reproduction's status is decided from: its children, and its submission's status. */
export interface ChildrenStatusInput extends StatusBaseInput {
  /** The children the spec wants, in order, with their phases and any refusal of the API server. */
  children: readonly ChildView[];
  /** The submission among them, whose CSV and metrics are the reproduction's. */
  submission?: { namespace: string; name: string; status: ResourceStatus | undefined };
  /** spec.suspend, which the children were given: an unfinished reproduction shows Suspended. */
  suspend?: boolean;
}

const HELD: readonly Phase[] = ["Pending", "Suspended", "Queued"];

/**
 * A Reproduction's status: the phase and conditions its children's phases give, one progress
 * step per child, times that never move once set, and the outputs of its submission.
 */
export function reproductionStatus(input: ChildrenStatusInput): ResourceStatus {
  const { generation, now, submission } = input;
  // The input preflight's missing paths held it before its first child; with children, no more.
  const { missingInputs: _missing, ...previous }: ResourceStatus = input.previous ?? {};
  const summary = suspendedUnlessFinal(summarizeChildren(input.children), input.suspend === true);
  const children = input.children.map(({ rejected: _rejected, blockedOnNodes: _blocked, ...child }) => child);
  const done = children.filter((c) => c.phase === "Succeeded").length;
  const submissionStatus = submission?.status;
  return {
    ...previous,
    observedGeneration: generation,
    phase: summary.phase,
    conditions: setConditions(previous.conditions ?? [], summary.conditions, now, generation),
    children,
    progress: { stagesSucceeded: done, stagesTotal: children.length, summary: `${done}/${children.length}` },
    // Held work has not started: a reproduction queued from the outset gets its start when a child runs.
    ...(!HELD.includes(summary.phase) ? { startedAt: previous.startedAt ?? now } : {}),
    ...(summary.phase === "Succeeded" || summary.phase === "Failed" ? { finishedAt: previous.finishedAt ?? now } : {}),
    ...(submission && submissionStatus?.artifacts
      ? { artifacts: reproductionArtifacts(submission.namespace, submission.name, submissionStatus) }
      : {}),
    ...(submissionStatus?.metrics ? { metrics: submissionStatus.metrics } : {}),
  };
}

/** A suspended reproduction whose children have not all finished is held, not running. */
function suspendedUnlessFinal(summary: ReproductionSummary, suspend: boolean): ReproductionSummary {
  if (!suspend || summary.phase === "Succeeded" || summary.phase === "Failed") return summary;
  const progress = summary.conditions.find((c) => c.type === "Ready")?.message ?? "";
  const message = `spec.suspend is true: its children are suspended (${progress})`;
  return {
    phase: "Suspended",
    conditions: [
      { type: "Suspended", status: "True", reason: "Suspended", message },
      { type: "Ready", status: "False", reason: "Suspended", message },
    ],
  };
}
