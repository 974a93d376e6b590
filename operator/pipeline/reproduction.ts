import { API_GROUP_VERSION } from "../api/group.ts";
import type { Reproduction } from "../api/kinds/reproduction.ts";
import type { Phase } from "../api/status.ts";
import type { ConditionInput } from "./conditions.ts";
import { reproductionCandidates } from "./fold-candidates.ts";
import { stageDir } from "./layout.ts";

type Spec = Reproduction["spec"];

/** A child resource manifest (without owner references, which the controller adds). */
export interface ChildManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
}

export const REPRODUCTION_LABEL = "mammoflow.io/reproduction";

/** Names of a reproduction's children: `<reproduction>-<role>`. */
export const childName = (reproduction: string, role: string) => `${reproduction}-${role}`;

/**
 * The resources a reproduction's mode needs (docs/seed-pipeline.md#reproduction-modes): Trained imports the winner's
 * detector and folds; PartialReproduce retrains the folds on a new dataset; FullReproduce also
 * trains the detector.
 */
export function reproductionChildren(namespace: string, name: string, spec: Spec): ChildManifest[] {
  const child = (kind: string, role: string, childSpec: Record<string, unknown>): ChildManifest => ({
    apiVersion: API_GROUP_VERSION,
    kind,
    metadata: { name: childName(name, role), namespace, labels: { [REPRODUCTION_LABEL]: name } },
    // Always stated, false included, so that resuming the reproduction is a change its children see.
    spec: { ...childSpec, placement: spec.placement, suspend: spec.suspend },
  });
  // engine.export.tensorRT builds both engines the seed ran (docs/seed-pipeline.md#stages: J2/J2'
  // a TensorRT engine of the detector, fp16 batch 1; J7 the ensemble's): one switch, so the local
  // runner without a GPU leaves both out by the same rule.
  const tensorRT = spec.engine.export.tensorRT;
  const detector =
    spec.mode === "FullReproduce"
      ? child("RoiDetectorTraining", "detector", { source: "Train", training: spec.detector.training, tensorRT })
      : child("RoiDetectorTraining", "detector", {
          source: "Trained",
          checkpoint: `${spec.trainedAssets}/yolox_nano_416_roi_torch.pth`,
          tensorRT,
        });
  const engineSettings = { model: spec.classifier.model, export: spec.engine.export };
  const submission = child("Submission", "submission", {
    ...spec.submission,
    detector: { name: detector.metadata.name },
    engine: { name: childName(name, "engine") },
  });
  if (spec.mode === "Trained") {
    const { candidates: _unused, ...selection } = spec.engine.selection;
    const engine = child("EngineBuild", "engine", {
      ...engineSettings,
      selection,
      source: "Trained",
      trainedCheckpoints: [0, 1, 2, 3].map((fold) => `${spec.trainedAssets}/best_convnext_fold_${fold}.pth.tar`),
    });
    return [detector, engine, submission];
  }
  const dataset = child("ClassificationDataset", "dataset", {
    ...spec.dataset,
    detector: { name: detector.metadata.name },
  });
  const folds = Array.from({ length: spec.dataset.cvSplit.folds }, (_, fold) =>
    child("ClassifierFold", `fold-${fold}`, {
      dataset: { name: dataset.metadata.name },
      fold,
      numFolds: spec.dataset.cvSplit.folds,
      model: spec.classifier.model,
      training: spec.classifier.training,
      ...(spec.classifier.stages ? { stages: spec.classifier.stages } : {}),
    }),
  );
  const engine = child("EngineBuild", "engine", {
    ...engineSettings,
    selection: { ...spec.engine.selection, candidates: reproductionCandidates(spec) },
    source: "Folds",
    folds: folds.map((f) => ({ name: f.metadata.name })),
  });
  return [detector, dataset, ...folds, engine, submission];
}

export interface ChildView {
  kind: string;
  name: string;
  phase?: Phase;
  /** Why the API server refused to create or update the child (a 4xx the same request gets again). */
  rejected?: string;
  /** The child's Blocked condition when it waits for GPU nodes (gpu-capacity.ts), not for a sibling. */
  blockedOnNodes?: { reason: string; message: string };
}

export interface ReproductionSummary {
  phase: Phase;
  conditions: ConditionInput[];
}

/** A Reproduction failed because of one child: Failed, not Ready, not Succeeded, for one reason. */
function failedSummary(reason: string, message: string): ReproductionSummary {
  return {
    phase: "Failed",
    conditions: [
      { type: "Failed", status: "True", reason, message },
      { type: "Ready", status: "False", reason, message },
      { type: "Succeeded", status: "False", reason, message },
    ],
  };
}

/**
 * A reproduction's phase from its children's: failed if one failed (or was refused), done when
 * all are, Blocked when a child waits for GPU nodes and none runs, Queued when children wait in
 * Kueue and none runs, else Running (Pending before any child has a phase past Pending).
 */
export function summarizeChildren(children: readonly ChildView[]): ReproductionSummary {
  const rejected = children.find((c) => c.rejected !== undefined);
  if (rejected) {
    const message = `the API server refused ${rejected.kind}/${rejected.name}: ${rejected.rejected}`.slice(0, 4096);
    return failedSummary("ChildRejected", message);
  }
  const failed = children.find((c) => c.phase === "Failed");
  if (failed) {
    return failedSummary("ChildFailed", `${failed.kind}/${failed.name} failed`);
  }
  const done = children.filter((c) => c.phase === "Succeeded").length;
  if (children.length > 0 && done === children.length) {
    const message = `all ${children.length} resources succeeded`;
    return {
      phase: "Succeeded",
      conditions: [
        { type: "Ready", status: "True", reason: "Succeeded", message },
        { type: "Succeeded", status: "True", reason: "Succeeded", message },
      ],
    };
  }
  const progress = `${done}/${children.length} resources succeeded`;
  // A child that no node can run holds the reproduction up until the cluster or the spec
  // changes: while nothing runs, the reproduction is Blocked for the child's reason and words.
  const onNodes = children.find((c) => c.blockedOnNodes !== undefined);
  if (onNodes?.blockedOnNodes && !children.some((c) => c.phase === "Running")) {
    const { reason } = onNodes.blockedOnNodes;
    const message = `${progress}; ${onNodes.kind}/${onNodes.name} cannot start: ${onNodes.blockedOnNodes.message}`;
    return {
      phase: "Blocked",
      conditions: [
        { type: "Blocked", status: "True", reason, message },
        { type: "Ready", status: "False", reason, message },
      ],
    };
  }
  // A child Kueue holds runs nothing: when no child runs, the reproduction is Queued as its
  // children are (kubectl get and Argo CD tell waiting from progress); when some run, the
  // message still names those that wait.
  const queued = children.filter((c) => c.phase === "Queued").map((c) => `${c.kind}/${c.name}`);
  const waits = `${queued.join(", ")} ${queued.length === 1 ? "waits" : "wait"} in a Kueue queue for admission`;
  if (queued.length > 0 && !children.some((c) => c.phase === "Running")) {
    const message = `${progress}; nothing runs: ${waits}`;
    return { phase: "Queued", conditions: [{ type: "Ready", status: "False", reason: "ChildrenQueued", message }] };
  }
  const message = queued.length > 0 ? `${progress}; ${waits}` : progress;
  const started = children.some((c) => c.phase !== undefined && c.phase !== "Pending");
  return {
    phase: started ? "Running" : "Pending",
    conditions: [{ type: "Ready", status: "False", reason: "ChildrenRunning", message }],
  };
}

/**
 * A reproduction's outputs: those of its submission's last stage (the CSV), not the
 * intermediate per-shard predictions.
 */
export function reproductionArtifacts<A extends { path: string }>(
  namespace: string,
  submission: string,
  submissionStatus: { stages?: { name: string }[]; artifacts?: A[] } | undefined,
): A[] {
  const last = submissionStatus?.stages?.at(-1)?.name;
  if (!last) return [];
  const folder = `${stageDir(namespace, "Submission", submission, last)}/`;
  return (submissionStatus?.artifacts ?? []).filter((a) => a.path.startsWith(folder));
}
