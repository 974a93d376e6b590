// The unit tests are laid out like the source (tests/README.md): each folder of tests/unit is
// named after the source folder its tests cover, so a test is found where its code is.
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const REPO = path.resolve(import.meta.dirname, "../..");

/** Folders named after a source folder of operator/ or jobs/ts/. */
const sourceFolders = new Set(
  ["operator", "jobs/ts"].flatMap((root) =>
    readdirSync(path.join(REPO, root), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name),
  ),
);

/** The other source a unit-test folder may cover, with where that source is. */
const OTHER_SOURCES: Record<string, string> = {
  contract: "jobs/contract",
  cli: "cli",
  chart: "charts/mammoflow",
  argocd: "charts/mammoflow/argocd",
  docker: "docker",
  scripts: "scripts",
  assets: "assets",
  support: "tests/support",
  "cluster-harness": "tests/cluster/harness",
};

describe("tests/unit's layout", () => {
  it("names each folder after the source folder it tests", () => {
    const folders = readdirSync(path.join(REPO, "tests/unit"), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const strays = folders.filter((name) => !sourceFolders.has(name) && !(name in OTHER_SOURCES));
    expect(strays, "tests/unit folders that match no source folder (see tests/README.md)").toEqual([]);
  });

  it("points every other folder at source that exists", () => {
    const missing = Object.values(OTHER_SOURCES).filter((source) => {
      try {
        readdirSync(path.join(REPO, source));
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });
});
