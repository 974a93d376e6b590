import { describe, expect, it } from "vitest";
import type { ControllerContext } from "../../../operator/controllers/context.ts";
import { readKindSpec, readSpec } from "../../../operator/controllers/spec-reading.ts";

const trained = () => ({ source: "Trained", checkpoint: "assets/trained/yolox.pth" });

/** A context with only what readSpec reads: the configured GPU pools. */
const withPools = (...pools: string[]) =>
  ({ config: { gpuPools: Object.fromEntries(pools.map((p) => [p, { gpuType: p }])) } }) as unknown as ControllerContext;

describe("reading a spec once per distinct spec", () => {
  it("gives the same reading for equal specs in different objects (one parse)", () => {
    const first = readKindSpec("RoiDetectorTraining", trained());
    const second = readKindSpec("RoiDetectorTraining", trained());
    expect(second).toBe(first);
    expect(first.ok).toBe(true);
  });

  it("reads a changed spec anew", () => {
    const first = readKindSpec("RoiDetectorTraining", trained());
    const edited = readKindSpec("RoiDetectorTraining", { ...trained(), checkpoint: "assets/trained/other.pth" });
    expect(edited).not.toBe(first);
  });

  it("freezes the shared reading, so no resource changes it for the others", () => {
    const reading = readKindSpec("RoiDetectorTraining", trained());
    if (!reading.ok) throw new Error(reading.problem);
    expect(Object.isFrozen(reading.spec)).toBe(true);
    expect(Object.isFrozen(reading.spec.placement)).toBe(true);
    expect(Object.isFrozen(reading.spec.dependencies)).toBe(true);
  });

  it("keeps the schema's complaint for a spec it refuses, every time", () => {
    const refused = readKindSpec("RoiDetectorTraining", { source: "Sideways" });
    expect(refused.ok).toBe(false);
    expect(readKindSpec("RoiDetectorTraining", { source: "Sideways" })).toBe(refused);
  });

  it("still checks the GPU pool against each operator's configuration", () => {
    const reading = readKindSpec("RoiDetectorTraining", trained());
    if (!reading.ok) throw new Error(reading.problem);
    const pool = reading.spec.placement.gpuPool;
    expect(readSpec(withPools(pool), "RoiDetectorTraining", trained())).toBe(reading);
    expect(readSpec(withPools(), "RoiDetectorTraining", trained())).toEqual({
      ok: false,
      problem: `GPU pool ${JSON.stringify(pool)} is not in the operator configuration`,
    });
  });
});
