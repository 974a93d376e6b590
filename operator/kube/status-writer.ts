import { canonicalJson } from "../../jobs/contract/canonical-json.ts";
import type { KubeClient } from "./client.ts";

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The JSON merge patch (RFC 7386) that turns `from` into `to`: changed keys, removed keys as
 * null, nested objects as nested patches, arrays whole. Undefined when nothing changed.
 */
export function mergePatchBetween(from: Json, to: Json): Json | undefined {
  if (!isObject(from) || !isObject(to)) return canonicalJson(from) === canonicalJson(to) ? undefined : (to ?? null);
  const patch: Record<string, Json> = {};
  for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
    if (!(key in to) || to[key] === undefined) {
      if (key in from && from[key] !== undefined) patch[key] = null;
      continue;
    }
    const child = key in from ? mergePatchBetween(from[key], to[key]) : to[key];
    if (child !== undefined) patch[key] = child;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/**
 * Writes a resource's status through the status subresource, only when it changed; the patch
 * carries only the differences. Returns whether it wrote.
 */
export async function writeStatusIfChanged(
  client: KubeClient,
  path: string,
  current: Json,
  desired: Json,
): Promise<boolean> {
  const patch = mergePatchBetween(current ?? {}, desired);
  if (patch === undefined) return false;
  await client.mergePatch(`${path}/status`, { status: patch });
  return true;
}
