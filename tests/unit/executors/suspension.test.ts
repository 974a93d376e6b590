// spec.suspend in the local runner: what the plan carries, which resource is held and why, and
// what the run ends with. The executor part runs the real executor on a plan whose every
// resource is held, so no stage process may start and nothing may be written to the storage.
import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_KINDS, parseResource } from "../../../operator/api/index.ts";
import { executeLocalRun, planLocalRun } from "../../../operator/executors/local/index.ts";
import { type Hold, heldSummary, holdLine, holdOf } from "../../../operator/executors/local/suspension.ts";
import { makeResource } from "../../support/manifests.ts";

const parse = (kind: string, name: string, spec: Record<string, unknown>) =>
  parseResource(ALL_KINDS, makeResource(kind, name, spec), `${kind}/${name}`);

const step = (resource: string, more: { suspend?: boolean; needs?: string[]; origin?: string } = {}) => ({
  resource,
  origin: more.origin ?? resource,
  suspend: more.suspend ?? false,
  needs: more.needs ?? [],
});

describe("the local plan under spec.suspend", () => {
  it("marks every child of a suspended Reproduction, and what each reads", () => {
    const steps = planLocalRun([parse("Reproduction", "r", { mode: "Trained", suspend: true })]);
    expect(steps.map((s) => [`${s.resource.kind}/${s.resource.name}`, s.suspend, s.needs])).toEqual([
      ["RoiDetectorTraining/r-detector", true, undefined],
      ["EngineBuild/r-engine", true, undefined],
      ["Submission/r-submission", true, ["RoiDetectorTraining/r-detector", "EngineBuild/r-engine"]],
    ]);
    expect(steps.map((s) => s.origin)).toEqual(["Reproduction/r", "Reproduction/r", "Reproduction/r"]);
  });

  it("marks only the resource whose manifest suspends it", () => {
    const steps = planLocalRun([
      parse("RoiDetectorTraining", "det", { checkpoint: "assets/d.pth", suspend: true }),
      parse("EngineBuild", "ens", { source: "Trained", export: { tensorRT: false } }),
    ]);
    expect(steps.map((s) => s.suspend)).toEqual([true, undefined]);
  });
});

describe("holdOf", () => {
  const held = new Map<string, Hold>([
    [
      "RoiDetectorTraining/det",
      { resource: "RoiDetectorTraining/det", origin: "RoiDetectorTraining/det", suspended: true },
    ],
    [
      "ClassificationDataset/ds",
      { resource: "ClassificationDataset/ds", origin: "ClassificationDataset/ds", waitsFor: "RoiDetectorTraining/det" },
    ],
  ]);

  it("holds a suspended resource that has not finished, and not one that has", () => {
    expect(holdOf(step("EngineBuild/ens", { suspend: true }), held, false)).toEqual({
      resource: "EngineBuild/ens",
      origin: "EngineBuild/ens",
      suspended: true,
    });
    expect(holdOf(step("EngineBuild/ens", { suspend: true }), held, true)).toBeUndefined();
    expect(holdOf(step("EngineBuild/ens"), held, false)).toBeUndefined();
  });

  it("makes what needs a held resource wait for the suspended one at the root", () => {
    expect(holdOf(step("ClassifierFold/f0", { needs: ["ClassificationDataset/ds"] }), held, false)).toEqual({
      resource: "ClassifierFold/f0",
      origin: "ClassifierFold/f0",
      waitsFor: "RoiDetectorTraining/det",
    });
    // Waiting wins over its own suspension: the cause named is the one to lift first.
    expect(
      holdOf(
        step("Submission/sub", { suspend: true, needs: ["EngineBuild/ens", "RoiDetectorTraining/det"] }),
        held,
        true,
      ),
    ).toMatchObject({ waitsFor: "RoiDetectorTraining/det" });
    expect(holdOf(step("Submission/sub", { needs: ["EngineBuild/ens"] }), held, false)).toBeUndefined();
  });
});

describe("what a held run says", () => {
  const holds: Hold[] = [
    { resource: "RoiDetectorTraining/r-detector", origin: "Reproduction/r", suspended: true },
    { resource: "EngineBuild/ens", origin: "EngineBuild/ens", suspended: true },
    { resource: "Submission/r-submission", origin: "Reproduction/r", waitsFor: "RoiDetectorTraining/r-detector" },
  ];

  it("names the resource, where suspend is set and what it waits for", () => {
    expect(holds.map(holdLine)).toEqual([
      "RoiDetectorTraining/r-detector: suspended, spec.suspend is true (set on Reproduction/r); not started",
      "EngineBuild/ens: suspended, spec.suspend is true; not started",
      "Submission/r-submission: waits for RoiDetectorTraining/r-detector, which is suspended; not started",
    ]);
  });

  it("ends with the manifests to change and every resource that did not start", () => {
    expect(heldSummary(holds)).toEqual([
      "mammoflow run: not finished: spec.suspend is true on Reproduction/r, EngineBuild/ens; 3 resource(s) did not start: RoiDetectorTraining/r-detector, EngineBuild/ens, Submission/r-submission",
      "  to run them, set spec.suspend to false (or remove it) in those manifests and run again",
    ]);
    expect(heldSummary([])).toEqual([]);
  });
});

describe("the local executor under spec.suspend", () => {
  it("starts no stage of a suspended Reproduction, reports each child held, and writes nothing", async () => {
    const storageRoot = await mkdtemp(path.join(tmpdir(), "mammoflow-suspend-"));
    const steps = planLocalRun([parse("Reproduction", "r", { mode: "Trained", suspend: true })]);
    const lines: string[] = [];
    const holds: Hold[] = [];
    const runs = await executeLocalRun(steps, {
      storageRoot,
      appRoot: process.cwd(),
      python: "python-that-must-not-start",
      log: (line) => lines.push(line),
      onHold: (hold) => holds.push(hold),
    });
    expect(runs).toEqual([]);
    expect(holds.map((h) => h.resource)).toEqual([
      "RoiDetectorTraining/r-detector",
      "EngineBuild/r-engine",
      "Submission/r-submission",
    ]);
    expect(lines).toEqual(holds.map(holdLine));
    expect(await readdir(storageRoot)).toEqual([]);
  });
});
