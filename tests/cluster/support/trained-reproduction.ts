// A Trained reproduction "r" on the simulated nodes, for the fault-injection tests
// (apiserver-restart, leader-election): the stage outcomes its Jobs report, the Jobs it must
// create, and the checks that it ended right after the fault.
import { expect } from "vitest";
import {
  REQUEST_DIGEST_ANNOTATION,
  RESOURCE_LABEL,
  STAGE_ID_LABEL,
} from "../../../operator/executors/kubernetes/names.ts";
import type { KubeClient } from "../../../operator/kube/client.ts";
import { type Behaviour, getResource, listJobs, type Resource, stageMessage } from "./cluster.ts";
import type { TestNamespace } from "./namespace.ts";
import { waitFor } from "./wait.ts";

/** Every stage of the run succeeds with the artifacts its dependants read. */
export const SUCCEED_ALL: Record<string, Behaviour> = {
  "export-onnx": { message: stageMessage("export-onnx", ["model.onnx"]) },
  "build-engine": { message: stageMessage("build-engine", ["model.engine"]) },
  predict: { message: stageMessage("predict", ["predictions.csv"]) },
  aggregate: { message: stageMessage("aggregate", ["submission.csv"]) },
};

/** In Trained mode the detector's and the engine's export-onnx have no inputs: both start first. */
export const FIRST_JOBS = ["r-detector-roidet-export-onnx", "r-engine-engine-export-onnx"];

/** SUCCEED_ALL, with the first two Jobs held running until the behaviour changes. */
export const HOLD_FIRST_JOBS: Record<string, Behaviour> = {
  ...SUCCEED_ALL,
  ...Object.fromEntries(FIRST_JOBS.map((name) => [name, { hold: true }])),
};

// Both the detector and the engine build a TensorRT engine (engine.export.tensorRT, on by default).
const ALL_JOBS = [
  ...FIRST_JOBS,
  "r-detector-roidet-build-engine",
  "r-engine-engine-build-engine",
  "r-submission-subm-aggregate",
  "r-submission-subm-predict",
].sort();

/**
 * A test's own limit: above the sum of its bounded waits (the reproduction alone may take 180 s
 * on a loaded machine), so the wait that ran out names itself rather than vitest's 240 s default.
 */
export const WHOLE_RUN_MS = 480_000;

/** Job name → uid in `namespace`. */
export async function jobUids(admin: KubeClient, namespace: string): Promise<Record<string, string | undefined>> {
  return Object.fromEntries((await listJobs(admin, namespace)).map((j) => [j.metadata.name, j.metadata.uid]));
}

/**
 * Creates the Trained reproduction "r" with its first two Jobs held running (HOLD_FIRST_JOBS);
 * resolves with Job name → uid once both exist.
 */
export async function createWithFirstJobsHeld(namespace: TestNamespace): Promise<Record<string, string | undefined>> {
  const { admin, name } = namespace;
  await namespace.behave(HOLD_FIRST_JOBS);
  await namespace.create("Reproduction", "r", {});
  await waitFor(
    "both first Jobs",
    async () =>
      Object.keys(await jobUids(admin, name))
        .sort()
        .join() === FIRST_JOBS.join(),
  );
  return jobUids(admin, name);
}

export const untilSucceeded = (admin: KubeClient, namespace: string) =>
  waitFor(
    "the reproduction to succeed",
    async () => {
      const r = await getResource(admin, namespace, "Reproduction", "r");
      return r.status?.phase === "Succeeded" ? r : undefined;
    },
    180_000,
    async () => (await getResource(admin, namespace, "Reproduction", "r")).status,
  );

/**
 * The run ended as it does without a fault: the submission's artifact on the reproduction, one
 * Job per stage and request digest (the first two the very Jobs in `firstUids`), every resource
 * Succeeded with no stage retried (attempts counts failed pods).
 */
export async function expectFinishedOnce(
  admin: KubeClient,
  namespace: string,
  reproduction: Resource,
  firstUids: Record<string, string | undefined>,
): Promise<void> {
  expect(reproduction.status?.artifacts).toEqual([
    {
      name: "submission.csv",
      path: `runs/${namespace}/Submission/r-submission/aggregate/submission.csv`,
      sha256: "ab".repeat(32),
    },
  ]);
  const jobs = await listJobs(admin, namespace);
  expect(jobs.map((j) => j.metadata.name).sort()).toEqual(ALL_JOBS);
  const perStage = new Map<string, number>();
  for (const job of jobs) {
    const digest = job.metadata.annotations?.[REQUEST_DIGEST_ANNOTATION];
    expect(digest, job.metadata.name).toMatch(/^[0-9a-f]{64}$/);
    const key = `${job.metadata.labels?.[RESOURCE_LABEL]}/${job.metadata.labels?.[STAGE_ID_LABEL]}/${digest}`;
    perStage.set(key, (perStage.get(key) ?? 0) + 1);
  }
  expect([...perStage.values()]).toEqual(ALL_JOBS.map(() => 1));
  const uids = await jobUids(admin, namespace);
  for (const name of FIRST_JOBS) expect(uids[name], name).toBe(firstUids[name]);

  const expected: [string, string, string[]][] = [
    ["RoiDetectorTraining", "r-detector", ["export-onnx", "build-engine"]],
    ["EngineBuild", "r-engine", ["export-onnx", "build-engine"]],
    ["Submission", "r-submission", ["predict", "aggregate"]],
  ];
  for (const [kind, name, stages] of expected) {
    const resource = await getResource(admin, namespace, kind, name);
    expect(resource.status?.phase, `${kind} ${name}`).toBe("Succeeded");
    expect(
      resource.status?.stages?.map((s) => [s.name, s.phase, s.attempts]),
      `${kind} ${name}`,
    ).toEqual(stages.map((s) => [s, "Succeeded", 0]));
  }
}

/** Waits for the reproduction to succeed, then expects the run to have ended as expectFinishedOnce says. */
export async function expectSucceedsOnce(
  namespace: TestNamespace,
  firstUids: Record<string, string | undefined>,
): Promise<void> {
  const reproduction = await untilSucceeded(namespace.admin, namespace.name);
  await expectFinishedOnce(namespace.admin, namespace.name, reproduction, firstUids);
}
