import { Lru } from "../kube/lru.ts";
import type { SpecReading } from "../pipeline/kinds/registered-kind.ts";
import { registeredKind } from "../pipeline/registry.ts";
import type { ControllerContext } from "./context.ts";

/**
 * Specs already read, by kind and the spec's JSON. A resource is reconciled several times per
 * state change (its own status write, its Job's and pods' changes each bring it back) and its
 * dependants' index reads it at every change too, with the same spec each time: the schema's
 * parse was about 4 % of the operator's CPU at 1,000 resources. Keyed by content, not by
 * uid and generation, so a hit is the very reading a parse would give; bounded, so 10,000
 * distinct specs cost at most this many readings.
 */
const readings = new Lru<SpecReading>(1024);

/**
 * The registry's reading of a spec of `kind`, parsed once per distinct spec. Frozen: one
 * reading serves every resource with that spec, so none may change it for the others.
 */
export function readKindSpec(kind: string, spec: unknown): SpecReading {
  const key = `${kind} ${JSON.stringify(spec) ?? "undefined"}`;
  const known = readings.get(key);
  if (known) return known;
  const reading = deepFreeze(registeredKind(kind).read(spec));
  readings.set(key, reading);
  return reading;
}

/**
 * A resource's spec as the registry reads it, or why the operator cannot act on it although the
 * API server accepted it: the schema's complaint, or a GPU pool the configuration does not have.
 */
export function readSpec(context: ControllerContext, kind: string, spec: unknown): SpecReading {
  const reading = readKindSpec(kind, spec);
  if (!reading.ok) return reading;
  const pool = reading.spec.placement.gpuPool;
  if (!context.config.gpuPools[pool]) {
    return { ok: false, problem: `GPU pool ${JSON.stringify(pool)} is not in the operator configuration` };
  }
  return reading;
}

/** `value` and every object and array in it frozen (functions are left as they are). */
function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
  return value;
}
