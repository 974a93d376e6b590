import { createHash } from "node:crypto";
import { KINDS } from "../../pipeline/registry.ts";

/** Labels on every object the operator creates (selectors of its informers). */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "mammoflow";
export const KIND_LABEL = "mammoflow.io/kind";
export const RESOURCE_LABEL = "mammoflow.io/resource";
export const STAGE_LABEL = "mammoflow.io/stage";
export const STAGE_ID_LABEL = "mammoflow.io/stage-id";
export const KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name";
/** The request digest a Job runs (pipeline/request-digest.ts); 64 hex digits, too long for a label. */
export const REQUEST_DIGEST_ANNOTATION = "mammoflow.io/request-digest";
/**
 * On a Job the operator suspended because its resource has spec.suspend: the operator resumes
 * only Jobs it suspended, never one Kueue holds for quota.
 */
export const SUSPENDED_ANNOTATION = "mammoflow.io/suspended-by-resource";
/** The one field manager of every server-side apply. */
export const FIELD_MANAGER = "mammoflow-operator";

/** A kind in Job names: its CRD's first short name (pipeline/registry.ts). */
const shortKind = (kind: string) => KINDS.find((k) => k.kind === kind)?.shortName ?? kind.toLowerCase();

/**
 * The Job of one stage of one resource. Deterministic, so a restarted operator applies the
 * same object instead of creating a second one; at most 63 characters because the Job
 * controller copies it into a label value. The API refuses a resource name too long for its
 * stage Jobs (api/rules.ts nameLeavesRoomFor), so for those the hashed short form only serves
 * resources created before that rule; the input preflight's Job (`check-inputs-<digest>`, longer
 * than the stage ids the rule counts) takes it for a name near the limit (docs/api-reference.md).
 */
export function stageJobName(kind: string, name: string, stageId: string): string {
  const full = `${name}-${shortKind(kind)}-${stageId}`;
  if (full.length <= 63) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, 54).replace(/[-.]+$/, "")}-${hash}`;
}

/**
 * The ConfigMap holding a stage's request files: the Job's name and a short digest of the
 * request, at most 63 characters. The ConfigMap is immutable, so a new request of the same
 * stage (an edit) is a new ConfigMap instead of a refused update of the old one.
 */
export function stageRequestConfigMapName(kind: string, name: string, stageId: string, digest: string): string {
  const job = stageJobName(kind, name, stageId);
  const suffix = digest.slice(0, 10);
  if (job.length + 1 + suffix.length <= 63) return `${job}-${suffix}`;
  return `${job.slice(0, 63 - 1 - suffix.length).replace(/[-.]+$/, "")}-${suffix}`;
}
