// The operator is killed and restarted at several points of a Trained reproduction: it never
// creates a second Job for a stage, keeps the status it wrote (also for stages whose Jobs were
// deleted meanwhile, as ttlSecondsAfterFinished does), and finishes the run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient } from "../../operator/kube/client.ts";
import {
  adminClient,
  createNamespace,
  createResource,
  deleteNamespace,
  getResource,
  kubeconfigPath,
  listJobs,
  setBehaviour,
  stageMessage,
} from "./support/cluster.ts";
import { type OperatorProcess, startOperatorProcess } from "./support/operator-process.ts";
import { waitFor } from "./support/wait.ts";

const succeedAll = {
  "export-onnx": { message: stageMessage("export-onnx", ["model.onnx"]) },
  "build-engine": { message: stageMessage("build-engine", ["model.engine"]) },
  predict: { message: stageMessage("predict", ["predictions.csv"]) },
  aggregate: { message: stageMessage("aggregate", ["submission.csv"]) },
};

describe("operator restarts", () => {
  let admin: KubeClient;
  let ns: string;
  let operator: OperatorProcess | undefined;
  const start = () => {
    operator = startOperatorProcess({ kubeconfig: kubeconfigPath(), namespace: ns });
    return operator;
  };
  const jobUids = async () =>
    Object.fromEntries((await listJobs(admin, ns)).map((j) => [j.metadata.name, j.metadata.uid]));

  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "restart");
  });
  afterAll(async () => {
    await operator?.stop();
    await deleteNamespace(admin, ns);
  });

  it("resumes without duplicate Jobs and without losing status", async () => {
    // In Trained mode the detector's and the engine's export-onnx have no inputs: both start.
    const exports = ["r-detector-roidet-export-onnx", "r-engine-engine-export-onnx"];
    await setBehaviour(admin, ns, {
      ...succeedAll,
      [exports[0] as string]: { hold: true },
      [exports[1] as string]: { hold: true },
    });
    start();
    await createResource(admin, ns, "Reproduction", "r", {});
    await waitFor(
      "both export Jobs",
      async () =>
        Object.keys(await jobUids())
          .sort()
          .join() === exports.join(),
    );
    const firstUids = await jobUids();

    // 1. Crash while both stages run; they finish while no operator is up.
    expect(await operator?.stop("SIGKILL")).toBe(null);
    await setBehaviour(admin, ns, { ...succeedAll, "r-engine-engine-build-engine": { hold: true } });
    await waitFor("both export Jobs to complete", async () =>
      (await listJobs(admin, ns)).every((j) =>
        j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True"),
      ),
    );

    // 2. A new operator picks the result up and goes on: the detector builds its TensorRT engine
    //    (engine.export.tensorRT, on by default) and succeeds; stop it gracefully mid-engine.
    start();
    const detector = await waitFor("the detector to succeed", async () => {
      const d = await getResource(admin, ns, "RoiDetectorTraining", "r-detector");
      return d.status?.phase === "Succeeded" ? d : undefined;
    });
    expect(detector.status?.artifacts).toEqual([
      {
        name: "model.onnx",
        path: `runs/${ns}/RoiDetectorTraining/r-detector/export-onnx/model.onnx`,
        sha256: "ab".repeat(32),
      },
      {
        name: "model.engine",
        path: `runs/${ns}/RoiDetectorTraining/r-detector/build-engine/model.engine`,
        sha256: "ab".repeat(32),
      },
    ]);
    await waitFor("the engine's build-engine Job", async () =>
      (await listJobs(admin, ns)).some((j) => j.metadata.name === "r-engine-engine-build-engine"),
    );
    const secondUids = await jobUids();
    for (const name of exports) expect(secondUids[name], name).toBe(firstUids[name]);
    const detectorEngine = "r-detector-roidet-build-engine";
    expect(Object.keys(secondUids).sort()).toEqual([...exports, detectorEngine, "r-engine-engine-build-engine"].sort());
    expect(await operator?.stop("SIGTERM")).toBe(0);

    // 3. While it is down, the finished Jobs are deleted (as their TTL would) and the engine
    //    finishes; a third operator must not re-run the deleted stages.
    for (const name of [...exports, detectorEngine]) {
      await admin.delete(`/apis/batch/v1/namespaces/${ns}/jobs/${name}`, "Background");
    }
    await setBehaviour(admin, ns, succeedAll);
    start();
    const reproduction = await waitFor("the reproduction to succeed", async () => {
      const r = await getResource(admin, ns, "Reproduction", "r");
      return r.status?.phase === "Succeeded" ? r : undefined;
    });
    expect(reproduction.status?.artifacts).toEqual([
      {
        name: "submission.csv",
        path: `runs/${ns}/Submission/r-submission/aggregate/submission.csv`,
        sha256: "ab".repeat(32),
      },
    ]);
    const finalUids = await jobUids();
    expect(Object.keys(finalUids).sort()).toEqual([
      "r-engine-engine-build-engine",
      "r-submission-subm-aggregate",
      "r-submission-subm-predict",
    ]);
    expect(finalUids["r-engine-engine-build-engine"]).toBe(secondUids["r-engine-engine-build-engine"]);
    const detectorAfter = await getResource(admin, ns, "RoiDetectorTraining", "r-detector");
    expect(detectorAfter.status).toEqual(detector.status);
    const engine = await getResource(admin, ns, "EngineBuild", "r-engine");
    expect(engine.status?.stages?.map((s) => [s.name, s.phase])).toEqual([
      ["export-onnx", "Succeeded"],
      ["build-engine", "Succeeded"],
    ]);
  });
});
