import type { ModelRecord, ModelsRecord } from "./models-record.ts";

/**
 * The checkpoints of assets/samples/models (jobs/python/tools/make_demo_assets.py), as export-onnx
 * names them in its model card (`source`, `sources`). The winner's are
 * yolox_nano_416_roi_torch.pth and best_convnext_fold_{k}.pth.tar, a Full run's best_ckpt.pth and
 * best_convnext_fold_{k}.pth.tar: only the demo assets have these names.
 */
const DEMO_CHECKPOINT = /^(yolox_nano_roi\.pth|convnext_fold_\d+\.pth\.tar)$/;

/** A demo model: its card says so (`demo: true`), or it was exported from the demo checkpoints. */
export function isDemoModel(card: Record<string, unknown> | undefined): boolean {
  if (!card) return false;
  if (card.demo === true) return true;
  const sources = [card.source, ...(Array.isArray(card.sources) ? card.sources : [])].filter(
    (s): s is string => typeof s === "string",
  );
  return sources.length > 0 && sources.every((s) => DEMO_CHECKPOINT.test(s));
}

export interface ReportModel {
  role: "detector" | "classifier";
  file: string;
  sha256: string;
  /** From the model card: architecture, input shape, folds, checkpoints. */
  summary: string;
  demo: boolean;
}

export interface Provenance {
  models: ReportModel[];
  versions: Record<string, string>;
  /** This aggregate stage's request digest, and those of the stages that wrote its inputs. */
  requestDigest?: string;
  inputDigests: Record<string, string>;
  generatedAt: string;
  /** Whatever makes the provenance incomplete or ambiguous, said plainly. */
  notes: string[];
}

function summaryOf(card: Record<string, unknown> | undefined): string {
  if (!card) return "no model card";
  const input = card.input as { shape?: unknown[] } | undefined;
  const sources = Array.isArray(card.sources) ? card.sources : card.source !== undefined ? [card.source] : [];
  return [
    typeof card.architecture === "string" ? card.architecture : undefined,
    Array.isArray(input?.shape) ? `input ${input.shape.join("×")}` : undefined,
    typeof card.folds === "number" ? `${card.folds} folds` : undefined,
    typeof card.opset === "number" ? `opset ${card.opset}` : undefined,
    sources.length > 0 ? `from ${sources.join(", ")}` : undefined,
  ]
    .filter(Boolean)
    .join(" · ");
}

function modelOf(role: ReportModel["role"], record: ModelRecord): ReportModel {
  return {
    role,
    file: record.file,
    sha256: record.sha256,
    summary: summaryOf(record.card),
    demo: isDemoModel(record.card),
  };
}

/** The report's provenance from the predict shards' models.json files (in shard order). */
export function provenanceOf(
  records: readonly { file: string; record: ModelsRecord }[],
  digests: { requestDigest?: string; inputDigests?: Record<string, string> },
  generatedAt: string,
): Provenance {
  const provenance: Provenance = {
    models: [],
    versions: {},
    inputDigests: digests.inputDigests ?? {},
    generatedAt,
    notes: [],
  };
  if (digests.requestDigest) provenance.requestDigest = digests.requestDigest;
  const first = records[0];
  if (!first) {
    provenance.notes.push("the predictions carry no models.json (made before it was recorded): models unknown");
    return provenance;
  }
  provenance.models = [modelOf("detector", first.record.detector), modelOf("classifier", first.record.classifier)];
  provenance.versions = first.record.versions;
  for (const { file, record } of records.slice(1)) {
    if (
      record.detector.sha256 !== first.record.detector.sha256 ||
      record.classifier.sha256 !== first.record.classifier.sha256
    ) {
      provenance.notes.push(
        `${file} names other models than ${first.file}: the shards were scored with different models`,
      );
    }
  }
  return provenance;
}
