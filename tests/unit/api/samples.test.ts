import { describe, expect, it } from "vitest";
import { ALL_KINDS } from "../../../operator/api/index.ts";
import { loadManifests } from "../../../operator/cli/manifests.ts";

describe("crds/samples", async () => {
  const { resources, errors } = await loadManifests(["crds/samples"]);

  it("every sample document is valid", () => {
    expect(errors.map((e) => e.message)).toEqual([]);
    expect(resources.length).toBeGreaterThanOrEqual(12);
  });

  it("has at least one sample per kind", () => {
    const kinds = new Set(resources.map((r) => r.kind.kind));
    expect([...kinds].sort()).toEqual(ALL_KINDS.map((k) => k.kind).sort());
  });

  it("has one Reproduction per mode", () => {
    const modes = resources
      .filter((r) => r.kind.kind === "Reproduction")
      .map((r) => (r.resource.spec as { mode: string }).mode)
      .sort();
    expect(modes).toEqual(["FullReproduce", "PartialReproduce", "Trained"]);
  });
});
