// The status written right after a stage starts is the one the next reconcile decides once its
// cache shows the new Job: that reconcile writes nothing (one status write per start).
import { describe, expect, it } from "vitest";
import type { JobObject } from "../../../operator/controllers/caches.ts";
import { stageJobName } from "../../../operator/executors/kubernetes/names.ts";
import { observeJob } from "../../../operator/executors/kubernetes/observe.ts";
import { jobAsObserved } from "../../../operator/kube/cache-transforms.ts";
import { mergePatchBetween } from "../../../operator/kube/status-writer.ts";
import { decideAfterStart } from "../../../operator/loop/started-status.ts";
import { decideStatus, type StagesInput } from "../../../operator/pipeline/status.ts";
import { exportPlan, engineBuildPlans as plans } from "../../support/engine-build-stages.ts";
import { makeJobObject } from "../../support/operator-builders.ts";

const created: StagesInput = {
  generation: 1,
  now: "2026-01-01T00:00:00.000Z",
  previous: undefined,
  plans,
  observations: {},
};
/** The first stage's Job as the apply answered it: managedFields and all, no status yet. */
const applied = {
  ...makeJobObject(stageJobName("EngineBuild", "e", "export-onnx"))
    .runs(exportPlan)
    .obj(),
  status: {},
} as JobObject;
applied.metadata.managedFields = [{ manager: "mammoflow", operation: "Apply" }] as never;
/** What the cluster's executor (controllers/kubernetes-stage-executor.ts) says of the stage it started. */
const started = observeJob(jobAsObserved(applied), []);

describe("the status written after a start", () => {
  it("is what the next reconcile decides from the cached Job, so that reconcile writes nothing", () => {
    const before = decideStatus(created);
    expect(before.start?.id).toBe("export-onnx");
    const written = decideAfterStart(created, "export-onnx", started).status;
    const next = decideStatus({
      ...created,
      now: "2026-01-01T00:00:05.000Z",
      previous: written,
      observations: { "export-onnx": observeJob(jobAsObserved(applied), []) },
    });
    expect(next.start).toBeUndefined();
    expect(mergePatchBetween(written, next.status)).toBeUndefined();
    // Before: the stage said Pending until the cache showed its Job, then a second write.
    expect(mergePatchBetween(before.status, next.status)).toMatchObject({ stages: expect.any(Array) });
  });

  it("shows the stage running as its Job, the next stage still pending", () => {
    const { status, start } = decideAfterStart(created, "export-onnx", started);
    expect(start).toBeUndefined();
    expect(status.phase).toBe("Running");
    expect(status.stages?.map((s) => [s.name, s.phase, s.jobName])).toEqual([
      ["export-onnx", "Running", stageJobName("EngineBuild", "e", "export-onnx")],
      ["build-engine", "Pending", undefined],
    ]);
  });
});
