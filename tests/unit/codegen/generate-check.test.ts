import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatedFiles } from "../../../operator/codegen/generated-files.ts";
import { applyDrift, findDrift } from "../../../operator/codegen/sync.ts";

describe("generated files", () => {
  const expected = generatedFiles(process.cwd());
  let copy: string;

  beforeAll(async () => {
    copy = await mkdtemp(path.join(tmpdir(), "mammoflow-generate-"));
    for (const dir of [
      "crds",
      "charts",
      "docs",
      "jobs/contract/schemas",
      "jobs/python/src/mammoflow_jobs/contract/schemas",
    ]) {
      await cp(dir, path.join(copy, dir), { recursive: true });
    }
  });
  afterAll(async () => {
    await rm(copy, { recursive: true, force: true });
  });

  it("are up to date in the repository (npm run generate:check)", async () => {
    expect(await findDrift(process.cwd(), expected)).toEqual([]);
  });

  it("include one CRD per kind in crds/ and in the Helm chart, the reference and the contract schemas", () => {
    const files = [...expected.keys()];
    expect(files.filter((f) => f.startsWith("crds/"))).toHaveLength(6);
    expect(files.filter((f) => f.startsWith("charts/mammoflow/files/crds/"))).toHaveLength(6);
    expect(files).toContain("charts/mammoflow/values.schema.json");
    expect(files).toContain("docs/api-reference.md");
    expect(files).toContain("jobs/python/src/mammoflow_jobs/contract/schemas/stage-request.schema.json");
  });

  it("detect an edited, a missing and a stale file, and repair them", async () => {
    await writeFile(path.join(copy, "crds/mammoflow.io_submissions.yaml"), "edited by hand\n");
    await rm(path.join(copy, "docs/api-reference.md"));
    await writeFile(path.join(copy, "crds/mammoflow.io_oldkinds.yaml"), "kind: CustomResourceDefinition\n");
    const drift = await findDrift(copy, expected);
    expect(drift).toEqual(
      expect.arrayContaining([
        { file: "crds/mammoflow.io_submissions.yaml", problem: "outdated" },
        { file: "docs/api-reference.md", problem: "missing" },
        { file: "crds/mammoflow.io_oldkinds.yaml", problem: "stale" },
      ]),
    );
    expect(drift).toHaveLength(3);
    await applyDrift(copy, expected, drift);
    expect(await findDrift(copy, expected)).toEqual([]);
    expect(await readFile(path.join(copy, "crds/samples/demo.yaml"), "utf8")).toContain("kind: Submission");
  });

  it("document every kind and field in the API reference", () => {
    const reference = expected.get("docs/api-reference.md") ?? "";
    for (const heading of ["## Reproduction", "## ClassifierFold", "## Submission"])
      expect(reference).toContain(heading);
    expect(reference).toContain("| `spec.aggregation.threshold` | number | `0.31` |");
    expect(reference).toContain("fold must be smaller than numFolds (CEL `self.fold < self.numFolds`)");
  });
});
