import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadManifests } from "../../../cli/manifests.ts";
import { ALL_KINDS } from "../../../operator/api/index.ts";

describe("crds/samples", async () => {
  // Each sample stands alone (the gitops folder repeats reproduction-partial.yaml on purpose), so
  // they are validated one by one: together, the repeated Reproduction is a duplicate.
  const samples = readdirSync("crds/samples").map((entry) => path.join("crds/samples", entry));
  const loads = await Promise.all(samples.map((sample) => loadManifests([sample])));
  const resources = loads.flatMap((l) => l.resources);
  const errors = loads.flatMap((l) => l.errors);

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

describe("a folder that defines one resource twice", async () => {
  const { errors } = await loadManifests(["crds/samples/reproduction-partial.yaml", "crds/samples/gitops"]);

  it("refuses the second definition, naming where the first one is", () => {
    expect(errors.map((e) => e.message)).toEqual([
      "crds/samples/gitops/reproduction/reproduction.yaml: Reproduction/rsna-partial is already defined in crds/samples/reproduction-partial.yaml",
    ]);
  });
});
