// spec.suspend in the local runner: what the plan carries, which resource is held and why, and
// what the run ends with. The executor part runs the real executor on plans whose stages are all
// held, so no stage process may start and only the statuses are written to the storage.
import { mkdtemp, readdir, readFile } from "node:fs/promises";
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
      [
        "Submission/r-submission",
        true,
        [
          { role: "detector", kind: "RoiDetectorTraining", name: "r-detector" },
          { role: "engine", kind: "EngineBuild", name: "r-engine" },
        ],
      ],
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
  it("starts no stage of a suspended Reproduction, reports each child held with the status a cluster gives it", async () => {
    const storageRoot = await mkdtemp(path.join(tmpdir(), "mammoflow-suspend-"));
    const steps = planLocalRun([parse("Reproduction", "r", { mode: "Trained", suspend: true })]);
    const lines: string[] = [];
    const holds: Hold[] = [];
    const { runs, statuses } = await executeLocalRun(steps, {
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

    // Each held resource's status.json, and the Reproduction's, say what decideStatus says of
    // them on a cluster: no stage ran, no request was written.
    const written = await readdir(path.join(storageRoot, "runs/local"), { recursive: true });
    expect(written.filter((f) => f.endsWith(".json")).sort()).toEqual([
      "EngineBuild/r-engine/status.json",
      "Reproduction/r/status.json",
      "RoiDetectorTraining/r-detector/status.json",
      "Submission/r-submission/status.json",
    ]);
    expect([...statuses.keys()]).toEqual([
      "RoiDetectorTraining/r-detector",
      "Reproduction/r",
      "EngineBuild/r-engine",
      "Submission/r-submission",
    ]);
    for (const [key, status] of statuses) {
      expect(JSON.parse(await readFile(path.join(storageRoot, "runs/local", key, "status.json"), "utf8"))).toEqual(
        status,
      );
    }
    const suspended = (message: string) => [
      { type: "Ready", status: "False", reason: "Suspended", message },
      { type: "Suspended", status: "True", reason: "Suspended", message },
    ];
    const detector = statuses.get("RoiDetectorTraining/r-detector");
    expect(detector?.phase).toBe("Suspended");
    expect(detector?.conditions?.map(({ lastTransitionTime: _t, ...c }) => c)).toEqual(
      suspended("spec.suspend is true: no stage was running and no stage starts until it is false (0/2 done)"),
    );
    expect(detector?.stages?.map((s) => [s.name, s.phase])).toEqual([
      ["export-onnx", "Pending"],
      ["build-engine", "Pending"],
    ]);
    // The submission waits for its detector as the controller's blocker says, and is suspended itself.
    const submission = statuses.get("Submission/r-submission");
    expect(submission?.phase).toBe("Suspended");
    expect(submission?.conditions?.map(({ lastTransitionTime: _t, ...c }) => c)).toEqual(
      suspended(
        "spec.suspend is true: no stage starts (the inputs are not Ready either: waiting for RoiDetectorTraining/r-detector to be Ready (it is Suspended))",
      ),
    );
    expect(submission?.stages).toBeUndefined();
    const reproduction = statuses.get("Reproduction/r");
    expect(reproduction?.phase).toBe("Suspended");
    expect(reproduction?.children).toEqual([
      { kind: "RoiDetectorTraining", name: "r-detector", phase: "Suspended" },
      { kind: "EngineBuild", name: "r-engine", phase: "Suspended" },
      { kind: "Submission", name: "r-submission", phase: "Suspended" },
    ]);
    expect(reproduction?.conditions?.map(({ lastTransitionTime: _t, ...c }) => c)).toEqual(
      suspended("spec.suspend is true: its children are suspended (0/3 resources succeeded)"),
    );
  });

  it("writes Blocked for a resource that only waits behind a suspended one", async () => {
    const storageRoot = await mkdtemp(path.join(tmpdir(), "mammoflow-suspend-"));
    const steps = planLocalRun([
      parse("RoiDetectorTraining", "det", { checkpoint: "assets/d.pth", suspend: true }),
      parse("EngineBuild", "ens", { source: "Trained", export: { tensorRT: false }, suspend: true }),
      parse("Submission", "sub", { detector: { name: "det" }, engine: { name: "ens" } }),
    ]);
    const { statuses } = await executeLocalRun(steps, {
      storageRoot,
      appRoot: process.cwd(),
      python: "python-that-must-not-start",
      log: () => {},
    });
    const message = "waiting for RoiDetectorTraining/det to be Ready (it is Suspended)";
    const submission = statuses.get("Submission/sub");
    expect(submission?.phase).toBe("Blocked");
    expect(submission?.conditions?.map(({ lastTransitionTime: _t, ...c }) => c)).toEqual([
      { type: "Blocked", status: "True", reason: "WaitingForDetector", message },
      { type: "Ready", status: "False", reason: "WaitingForDetector", message },
    ]);
  });
});
