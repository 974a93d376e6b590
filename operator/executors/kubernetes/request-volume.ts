import type { V1Volume } from "@kubernetes/client-node";
import { canonicalJson } from "../../../jobs/contract/canonical-json.ts";
import type { StageRequest } from "../../../jobs/contract/request.ts";

/** Where a stage pod finds its request files, whichever way they travel. */
export const REQUEST_MOUNT_PATH = "/etc/mammoflow/request";

/** File name of shard i's request (or of the only request) under REQUEST_MOUNT_PATH. */
export const requestFileName = (shard?: number) => (shard === undefined ? "request.json" : `request-${shard}.json`);

/** The prefix of the pod-template annotations that carry request files. */
export const REQUEST_ANNOTATION_PREFIX = "request.mammoflow.io/";

/** The pod-template annotation that carries one request file (`request.mammoflow.io/request-2.json`). */
export const requestFileAnnotation = (file: string) => `${REQUEST_ANNOTATION_PREFIX}${file}`;

/**
 * The most request bytes (all files of a stage together) that travel in the Job's pod template.
 * Kubernetes caps an object's annotations at 256 KiB in all, and every pod of an Indexed Job
 * carries every shard's file; 32 KiB leaves the rest to whatever else annotates the pods
 * (Kueue, the Job controller, a mesh's injector). Our requests are a few hundred bytes to a few
 * KiB: input paths, digests and parameters, never data.
 */
export const INLINE_REQUEST_LIMIT_BYTES = 32 * 1024;

/** A stage's request files: file name → canonical JSON, one per shard. */
export function requestFiles(requests: readonly StageRequest[]): Record<string, string> {
  return Object.fromEntries(requests.map((r) => [requestFileName(r.shard?.index), canonicalJson(r)]));
}

/**
 * How a stage's request files reach its pods. In the Job's pod-template annotations, read
 * through a downwardAPI volume, when they are small: the Job is then the stage's only object,
 * one API write per start instead of two. In an immutable ConfigMap when they total more than
 * INLINE_REQUEST_LIMIT_BYTES.
 */
export function requestCarrier(files: Record<string, string>): "annotations" | "configMap" {
  const bytes = Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text, "utf8"), 0);
  return bytes <= INLINE_REQUEST_LIMIT_BYTES ? "annotations" : "configMap";
}

/** The pod-template annotations of requests that travel in the Job. */
export function requestAnnotations(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([file, text]) => [requestFileAnnotation(file), text]));
}

/**
 * The pod volume mounted at REQUEST_MOUNT_PATH: the same file names either way, so stage
 * programs and images do not know how their request came. A downwardAPI volume writes each
 * annotation's value as the file's bytes (the kubelet projects it as it does a ConfigMap).
 */
export function requestVolume(files: Record<string, string>, configMapName: string): V1Volume {
  if (requestCarrier(files) === "configMap") return { name: "request", configMap: { name: configMapName } };
  return {
    name: "request",
    downwardAPI: {
      items: Object.keys(files).map((file) => ({
        path: file,
        fieldRef: { fieldPath: `metadata.annotations['${requestFileAnnotation(file)}']` },
      })),
    },
  };
}
