import type { SpecReading } from "../pipeline/kinds/registered-kind.ts";
import { registeredKind } from "../pipeline/registry.ts";
import type { ControllerContext } from "./context.ts";

/**
 * A resource's spec as the registry reads it, or why the operator cannot act on it although the
 * API server accepted it: the schema's complaint, or a GPU pool the configuration does not have.
 */
export function readSpec(context: ControllerContext, kind: string, spec: unknown): SpecReading {
  const reading = registeredKind(kind).read(spec);
  if (!reading.ok) return reading;
  const pool = reading.spec.placement.gpuPool;
  if (!context.config.gpuPools[pool]) {
    return { ok: false, problem: `GPU pool ${JSON.stringify(pool)} is not in the operator configuration` };
  }
  return reading;
}
