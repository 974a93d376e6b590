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

  it("has a Reproduction for every mode", () => {
    const modes = resources
      .filter((r) => r.kind.kind === "Reproduction")
      .map((r) => (r.resource.spec as { mode: string }).mode);
    expect([...new Set(modes)].sort()).toEqual(["FullReproduce", "PartialReproduce", "Trained"]);
  });
});

describe("crds/samples/gitops", async () => {
  const { resources, skipped } = await loadManifests(["crds/samples/gitops"]);

  it("holds an Argo CD Application and a kustomization around a valid Reproduction", () => {
    expect(resources.map((r) => `${r.kind.kind}/${r.resource.metadata.name}`)).toEqual(["Reproduction/rsna-partial"]);
    expect(skipped).toEqual([
      "crds/samples/gitops/application.yaml (Application)",
      "crds/samples/gitops/reproduction/kustomization.yaml (Kustomization)",
    ]);
  });
});
