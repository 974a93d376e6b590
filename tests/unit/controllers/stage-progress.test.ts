import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { StageProgress } from "../../../jobs/contract/index.ts";
import type { Caches } from "../../../operator/controllers/caches.ts";
import { observeStages } from "../../../operator/controllers/stage-observations.ts";
import { StagePodProgress } from "../../../operator/controllers/stage-progress.ts";
import { stageJobName } from "../../../operator/executors/kubernetes/names.ts";
import {
  PROGRESS_LOG_QUERY,
  podsWithRunningStage,
  stageProgressText,
} from "../../../operator/executors/kubernetes/pod-progress.ts";
import { mergePatchBetween } from "../../../operator/kube/status-writer.ts";
import type { StageObservation } from "../../../operator/pipeline/observation.ts";
import { decideStatus, type ResourceStatus } from "../../../operator/pipeline/status.ts";
import { makeJobObject, makePlan } from "../../support/operator-builders.ts";

const T0 = "2026-01-01T00:00:00.000Z";

function pod(name: string, state: "running" | "waiting" | "terminated" = "running", phase = "Running"): V1Pod {
  return {
    metadata: { name, namespace: "ns", uid: `uid-${name}` },
    status: { phase, containerStatuses: [{ name: "stage", state: { [state]: {} } } as never] },
  };
}

const line = (progress: StageProgress) => JSON.stringify({ level: "info", msg: "m", progress });
const predict = (done: number, extra: Partial<StageProgress> = {}): StageProgress => ({
  stage: "predict",
  unit: "images",
  done,
  total: 100,
  ...extra,
});

/** A pod log the test writes to, read through a fake GET that counts its calls. */
function logs() {
  const text = new Map<string, string>();
  const reads: string[] = [];
  let failing = false;
  const read = async (namespace: string, name: string) => {
    reads.push(`${namespace}/${name}`);
    if (failing) throw new Error("connect ECONNREFUSED 10.0.0.7:10250");
    return text.get(name) ?? "";
  };
  return {
    read,
    reads,
    write: (name: string, ...lines: string[]) => text.set(name, `${lines.join("\n")}\n`),
    fail: (value: boolean) => {
      failing = value;
    },
  };
}

describe("a stage pod's progress, read from its log", () => {
  it("reads the stage container's last 50 lines, at most 64 KiB", () => {
    expect(PROGRESS_LOG_QUERY).toEqual({ container: "stage", tailLines: 50, limitBytes: 65_536 });
  });

  it("reads only pods whose stage container runs", () => {
    const pods = [pod("a"), pod("b", "waiting", "Pending"), pod("c", "terminated", "Succeeded"), pod("d", "waiting")];
    expect(podsWithRunningStage(pods).map((p) => p.metadata?.name)).toEqual(["a"]);
  });

  it("says one pod's event as it is, and adds up the shards of a sharded stage", () => {
    expect(stageProgressText([predict(40, { rate: 8, etaSeconds: 8 })])).toBe(
      "predict: 40/100 images (40%), 8 images/s, ETA 8s",
    );
    expect(
      stageProgressText([
        predict(40, { rate: 8, etaSeconds: 8, shard: { index: 0, count: 2 } }),
        predict(20, { rate: 4, etaSeconds: 20, failed: 1, shard: { index: 1, count: 2 } }),
      ]),
    ).toBe("predict: 60/200 images (30%), 1 failed, 12 images/s, ETA 20s (2 shards running)");
    expect(stageProgressText([])).toBeUndefined();
  });

  it("reads each pod at most once per interval, never waiting for a read, keeping the last event", async () => {
    const log = logs();
    const clock = { now: 0 };
    const progress = new StagePodProgress(log.read, 30_000, () => clock.now);
    const pods = [pod("p-0")];
    log.write("p-0", "plain", line(predict(10, { rate: 5, etaSeconds: 18 })));
    expect(progress.progressOf(pods)).toEqual({ watch: true }); // the read has only started
    await progress.settled();
    expect(log.reads).toEqual(["ns/p-0"]);
    clock.now = 10_000;
    log.write("p-0", line(predict(60, { rate: 5, etaSeconds: 8 })));
    expect(progress.progressOf(pods)).toEqual({
      words: "predict: 10/100 images (10%), 5 images/s, ETA 18s",
      watch: true,
    });
    expect(log.reads).toHaveLength(1); // within the interval: no read
    clock.now = 30_000;
    progress.progressOf(pods);
    await progress.settled();
    expect(progress.progressOf(pods).words).toBe("predict: 60/100 images (60%), 5 images/s, ETA 8s");
    // A tail without an event, then a node that does not answer: the last event stays.
    log.write("p-0", "validating", "still validating");
    clock.now = 60_000;
    progress.progressOf(pods);
    await progress.settled();
    log.fail(true);
    clock.now = 90_000;
    progress.progressOf(pods);
    await progress.settled();
    expect(progress.progressOf(pods).words).toBe("predict: 60/100 images (60%), 5 images/s, ETA 8s");
    expect(log.reads).toHaveLength(4);
  });

  it("keeps polling a pod that answers without an event yet, not one whose node does not answer", async () => {
    const log = logs();
    const progress = new StagePodProgress(log.read, 30_000, () => 0);
    log.write("p-0", "loading the models");
    expect(progress.progressOf([pod("p-0")])).toEqual({ watch: true });
    await progress.settled();
    expect(progress.progressOf([pod("p-0")])).toEqual({ watch: true });
    log.fail(true);
    progress.progressOf([pod("p-1")]);
    await progress.settled();
    expect(progress.progressOf([pod("p-1")])).toEqual({ watch: false });
    expect(progress.progressOf([pod("p-2", "waiting", "Pending")])).toEqual({ watch: false });
  });

  it("keeps at most four reads in flight: the others wait for a later reconcile", async () => {
    const started: string[] = [];
    const release: (() => void)[] = [];
    const read = (_namespace: string, name: string) =>
      new Promise<string>((resolve) => {
        started.push(name);
        release.push(() => resolve(line(predict(1))));
      });
    const progress = new StagePodProgress(read, 30_000, () => 0);
    const pods = Array.from({ length: 6 }, (_, i) => pod(`p-${i}`));
    progress.progressOf(pods);
    expect(started).toEqual(["p-0", "p-1", "p-2", "p-3"]);
    for (const r of release) r();
    await progress.settled();
    progress.progressOf(pods);
    expect(started).toEqual(["p-0", "p-1", "p-2", "p-3", "p-4", "p-5"]);
  });
});

describe("progress in the status", () => {
  const plans = [
    makePlan("predict", "predict").outputDir("runs/ns/Submission/s/predict").obj(),
    makePlan("aggregate", "aggregate").outputDir("runs/ns/Submission/s/aggregate").obj(),
  ];
  const running = (progress?: string): StageObservation => ({
    phase: "Running",
    shardsSucceeded: 0,
    attempts: 0,
    runName: "s-predict",
    startedAt: T0,
    results: [],
    ...(progress ? { progress } : {}),
  });

  it("is the running stage's message and ends the Ready condition's", () => {
    const words = "predict: 40/100 images (40%), 8 images/s, ETA 8s";
    const { status } = decideStatus({
      generation: 1,
      now: T0,
      previous: undefined,
      plans,
      observations: { predict: running(words) },
    });
    expect(status.stages?.[0]?.message).toBe(words);
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      reason: "StagesRunning",
      message: `running stage predict (0/2 done): ${words}`,
    });
  });

  it("changes the status at most once per interval however often the stage logs and the operator reconciles", async () => {
    const log = logs();
    const clock = { now: 0 };
    const progress = new StagePodProgress(log.read, 30_000, () => clock.now);
    let previous: ResourceStatus | undefined;
    let writes = 0;
    // Ten minutes, a reconcile every second, a new event in the log every second.
    for (let second = 0; second < 600; second += 1) {
      clock.now = second * 1000;
      log.write("p-0", line(predict(second % 100, { rate: 1, etaSeconds: 100 - (second % 100) })));
      const { words } = progress.progressOf([pod("p-0")]);
      await progress.settled();
      const { status } = decideStatus({
        generation: 1,
        now: T0,
        previous,
        plans,
        observations: { predict: running(words) },
      });
      if (mergePatchBetween(previous ?? {}, status) !== undefined) writes += 1;
      previous = status;
    }
    // The first status, then one per 30 s read (20 reads in 600 s).
    expect(writes).toBe(21);
  });
});

describe("observing a running stage's progress", () => {
  const plan = makePlan("predict", "predict").outputDir("runs/ns/Submission/s/predict").obj();
  const jobName = stageJobName("Submission", "s", "predict");
  const job = makeJobObject(jobName).runs(plan).started(T0).active(1).obj();
  const running = {
    ...pod(`${jobName}-0`),
    metadata: {
      ...pod(`${jobName}-0`).metadata,
      ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: jobName, uid: job.metadata?.uid ?? "" }],
    },
  };
  const caches = {
    jobs: { get: (_namespace: string, name: string) => (name === jobName ? job : undefined) },
    podsOf: (owner: typeof job) => (owner.metadata?.uid === job.metadata?.uid ? [running] : []),
  } as unknown as Caches;
  const observe = (result: { words?: string; watch: boolean }, seen: unknown[] = []) =>
    observeStages(caches, "Submission", "ns", "s", [plan], {
      deleted: () => false,
      events: async () => [],
      now: () => 0,
      progress: {
        of: (pods) => {
          seen.push(...pods.map((p) => p.metadata?.name));
          return result;
        },
        intervalMs: 30_000,
      },
    });

  it("puts the words on the observation and looks again in an interval while the pods write events", async () => {
    const seen: unknown[] = [];
    const observed = await observe({ words: "predict: 40/100 images (40%)", watch: true }, seen);
    expect(seen).toEqual([`${jobName}-0`]);
    expect(observed.observations.predict).toMatchObject({ phase: "Running", progress: "predict: 40/100 images (40%)" });
    expect(observed.recheckAfterMs).toBe(30_000);
  });

  it("does not look again when the pods' logs cannot be read", async () => {
    const observed = await observe({ watch: false });
    expect(observed.observations.predict?.progress).toBeUndefined();
    expect(observed.recheckAfterMs).toBeUndefined();
  });
});
