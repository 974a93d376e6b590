// The operator is killed and restarted at several points of a Trained reproduction: it never
// creates a second Job for a stage, keeps the status it wrote (also for stages whose Jobs were
// deleted meanwhile, as ttlSecondsAfterFinished does), and finishes the run.
import { describe, expect, it } from "vitest";
import { useClusterNamespace } from "./support/namespace.ts";
import { createWithFirstJobsHeld, FIRST_JOBS, jobUids, SUCCEED_ALL } from "./support/trained-reproduction.ts";
import { waitFor } from "./support/wait.ts";

describe("operator restarts", () => {
  const cluster = useClusterNamespace("restart");
  const start = () => cluster.startOperator();

  it("resumes without duplicate Jobs and without losing status", async () => {
    // In Trained mode the detector's and the engine's export-onnx have no inputs: both start.
    const exports = FIRST_JOBS;
    start();
    const firstUids = await createWithFirstJobsHeld(cluster);

    // 1. Crash while both stages run; they finish while no operator is up.
    expect(await cluster.operator.stop("SIGKILL")).toBe(null);
    await cluster.behave({ ...SUCCEED_ALL, "r-engine-engine-build-engine": { hold: true } });
    await waitFor("both export Jobs to complete", async () =>
      (await cluster.jobs()).every((j) =>
        j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True"),
      ),
    );

    // 2. A new operator picks the result up and goes on: the detector builds its TensorRT engine
    //    (engine.export.tensorRT, on by default) and succeeds; stop it gracefully mid-engine.
    start();
    const detector = await cluster.untilPhase("RoiDetectorTraining", "r-detector", "Succeeded");
    expect(detector.status?.artifacts).toEqual([
      {
        name: "model.onnx",
        path: `runs/${cluster.name}/RoiDetectorTraining/r-detector/export-onnx/model.onnx`,
        sha256: "ab".repeat(32),
      },
      {
        name: "model.engine",
        path: `runs/${cluster.name}/RoiDetectorTraining/r-detector/build-engine/model.engine`,
        sha256: "ab".repeat(32),
      },
    ]);
    await waitFor("the engine's build-engine Job", async () =>
      (await cluster.jobs()).some((j) => j.metadata.name === "r-engine-engine-build-engine"),
    );
    const secondUids = await jobUids(cluster.admin, cluster.name);
    for (const name of exports) expect(secondUids[name], name).toBe(firstUids[name]);
    const detectorEngine = "r-detector-roidet-build-engine";
    expect(Object.keys(secondUids).sort()).toEqual([...exports, detectorEngine, "r-engine-engine-build-engine"].sort());
    expect(await cluster.operator.stop("SIGTERM")).toBe(0);

    // 3. While it is down, the finished Jobs are deleted (as their TTL would) and the engine
    //    finishes; a third operator must not re-run the deleted stages.
    for (const name of [...exports, detectorEngine]) {
      await cluster.admin.delete(`/apis/batch/v1/namespaces/${cluster.name}/jobs/${name}`, "Background");
    }
    await cluster.behave(SUCCEED_ALL);
    start();
    const reproduction = await cluster.untilPhase("Reproduction", "r", "Succeeded");
    expect(reproduction.status?.artifacts).toEqual([
      {
        name: "submission.csv",
        path: `runs/${cluster.name}/Submission/r-submission/aggregate/submission.csv`,
        sha256: "ab".repeat(32),
      },
    ]);
    const finalUids = await jobUids(cluster.admin, cluster.name);
    expect(Object.keys(finalUids).sort()).toEqual([
      "r-engine-engine-build-engine",
      "r-submission-subm-aggregate",
      "r-submission-subm-predict",
    ]);
    expect(finalUids["r-engine-engine-build-engine"]).toBe(secondUids["r-engine-engine-build-engine"]);
    const detectorAfter = await cluster.get("RoiDetectorTraining", "r-detector");
    expect(detectorAfter.status).toEqual(detector.status);
    const engine = await cluster.get("EngineBuild", "r-engine");
    expect(engine.status?.stages?.map((s) => [s.name, s.phase])).toEqual([
      ["export-onnx", "Succeeded"],
      ["build-engine", "Succeeded"],
    ]);
  });
});
