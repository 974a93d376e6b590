// A toy ClassifierFold (convnext_atto at 64×32, two epochs, CPU) trained by the train-fold Job the
// operator's own builders make for it, in the real stage-python image on the real kubelet node.
// One run is left alone; in the other the pod is deleted mid-epoch, the Job controller starts a
// replacement pod, and that pod resumes from the checkpoint on the shared volume: both must end
// with the same weights. The dataset (crops and CV split) is synthetic, written by the Python
// tests' generator, because producing it for real needs a detector and DICOMs (the demo test
// covers those stages); the Job is applied by the test, not by the ClassifierFold controller.
// The requests add `checkpointEverySteps: 1` and `deterministic: true` (stage parameters the
// API leaves at their defaults, 500 and false), so a checkpoint exists within seconds and the
// two runs can be compared bit for bit, and start from random weights (`pretrained: null`).
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClassifierFold } from "../../operator/api/kinds/classifier-fold.ts";
import { buildRequestConfigMap, buildStageJob } from "../../operator/executors/kubernetes/job.ts";
import type { KubeClient } from "../../operator/kube/client.ts";
import { planClassifierFold } from "../../operator/pipeline/kinds/classifier-fold.ts";
import { stageRequests } from "../../operator/pipeline/request.ts";
import { parseConfigForTest } from "../support/operator-builders.ts";
import { adminClient, createNamespace, deleteNamespace, listPods, storageHostPath } from "./support/cluster.ts";
import { onlyRealNode, POD_USER, prepareStorageFolder, realNodeName } from "./support/real-node.ts";
import { stageImagesOnNode } from "./support/stage-images.ts";
import { waitFor } from "./support/wait.ts";

const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const PYTHON = path.join(REPO_ROOT, ".venv/bin/python");

const TOY_FOLD = {
  dataset: { name: "toy" },
  fold: 0,
  numFolds: 2,
  model: { architecture: "convnext_atto", inputHeight: 64, inputWidth: 32 },
  training: { batchSize: 4, validationBatchSize: 8, dataLoaderWorkers: 0, externalDatasets: ["bmcd"] },
  stages: [
    {
      init: "ImageNet",
      lr: 1e-3,
      minLr: 1e-5,
      warmupLr: 1e-5,
      // Four epochs, so that a pod deleted in the second one has most of its work still ahead.
      epochs: 4,
      warmupEpochs: 1,
      smoothing: 0.2,
      denseValidationFrom: 1,
      denseValidationTo: 1,
    },
  ],
  placement: {
    gpusPerPod: 0,
    resources: { "train-fold": { cpu: "500m", memory: "3Gi", ephemeralStorage: "1Gi", shm: "256Mi" } },
  },
};

/** The train-fold Job and request ConfigMap the operator would apply for ClassifierFold `name`. */
function foldObjects(namespace: string, name: string) {
  const spec = ClassifierFold.shape.spec.parse(TOY_FOLD);
  const resource = { kind: "ClassifierFold", namespace, name, generation: 1 };
  const [plan] = planClassifierFold(
    resource,
    spec,
    new Map([["dataset", { "prepare-dataset": "crops", "cv-split": "split" }]]),
  );
  if (!plan) throw new Error("no train-fold stage planned");
  // No ImageNet weights can be downloaded here: the stage's `pretrained: null` (random start),
  // which the API cannot say yet (a path is required).
  const model = { ...(plan.parameters.model as object), pretrained: null };
  plan.parameters = { ...plan.parameters, model, checkpointEverySteps: 1, deterministic: true };
  const config = parseConfigForTest({ images: { ...stageImagesOnNode(), pullPolicy: "Never" } });
  const owner = { apiVersion: "v1", kind: "ClassifierFold", name, namespace, uid: "0" };
  const input = { owner, plan, requests: stageRequests(resource, plan), config };
  const strip = <T extends { metadata?: object }>(o: T): T => ({
    ...o,
    metadata: { ...o.metadata, ownerReferences: [] },
  });
  return {
    job: strip(buildStageJob(input)),
    configMap: strip(buildRequestConfigMap(input)),
    outputDir: plan.outputDir,
  };
}

describe("a toy ClassifierFold's train-fold pod deleted mid-training resumes to the same weights (real kubelet node, CPU)", () => {
  let admin: KubeClient;
  let ns: string;
  let undoRealNodeOnly: (() => Promise<void>) | undefined;
  let removeStorage: (() => void) | undefined;
  const storage = () => storageHostPath(ns);

  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "fold");
    removeStorage = prepareStorageFolder(ns);
    const generator = [
      "import sys",
      "from pathlib import Path",
      "sys.path.insert(0, 'jobs/python/tests')",
      "from synthetic import write_classification_data",
      "write_classification_data(Path(sys.argv[1]), patients=8, external_patients=2)",
    ].join("\n");
    await run(PYTHON, ["-c", generator, storage()], { cwd: REPO_ROOT });
    await run("chown", ["-R", `${POD_USER}:${POD_USER}`, storage()]);
    undoRealNodeOnly = await onlyRealNode(admin);
  }, 120_000);
  afterAll(async () => {
    await undoRealNodeOnly?.();
    if (admin && ns) await deleteNamespace(admin, ns);
    removeStorage?.();
  });

  async function apply(name: string) {
    const objects = foldObjects(ns, name);
    await admin.create(`/api/v1/namespaces/${ns}/configmaps`, objects.configMap);
    await admin.create(`/apis/batch/v1/namespaces/${ns}/jobs`, objects.job);
    return objects;
  }

  const finished = (name: string) =>
    waitFor(
      `Job ${name} to finish`,
      async () => {
        const job = await admin.get<V1Job>(`/apis/batch/v1/namespaces/${ns}/jobs/${name}`);
        const done = job.status?.conditions?.find(
          (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
        );
        return done ? job : undefined;
      },
      480_000,
      async () => (await admin.get<V1Job>(`/apis/batch/v1/namespaces/${ns}/jobs/${name}`)).status,
    );

  const podsOf = async (job: string) =>
    ((await listPods(admin, ns)) as V1Pod[]).filter(
      (p) => p.metadata?.labels?.["batch.kubernetes.io/job-name"] === job,
    );

  it("trains without interruption, then with its pod deleted mid-epoch, to equal weights", async () => {
    const straight = await apply("straight");
    const straightJob = await finished(straight.job.metadata?.name ?? "");
    expect(straightJob.status?.succeeded).toBe(1);

    const killed = await apply("killed");
    const killedName = killed.job.metadata?.name ?? "";
    const progressFile = path.join(storage(), killed.outputDir, "resume/progress.json");
    const atDelete = await waitFor(
      "a mid-epoch checkpoint of the second run",
      () => {
        if (!existsSync(progressFile)) return undefined;
        try {
          const progress = JSON.parse(readFileSync(progressFile, "utf8")) as { epoch: number; step: number };
          return progress.epoch === 1 && progress.step >= 1 ? progress : undefined;
        } catch {
          return undefined;
        }
      },
      300_000,
    );
    const [first] = await podsOf(killedName);
    expect(first?.spec?.nodeName).toBe(realNodeName());
    expect(first?.status?.phase, "the first pod still trains when it is deleted").toBe("Running");
    await admin.delete(`/api/v1/namespaces/${ns}/pods/${first?.metadata?.name}`);
    const killedJob = await finished(killedName);
    expect(killedJob.status?.succeeded, JSON.stringify(killedJob.status)).toBe(1);
    const pods = await podsOf(killedName);
    const replacement = pods.find((p) => p.metadata?.name !== first?.metadata?.name);
    expect(replacement?.status?.phase, JSON.stringify(pods.map((p) => [p.metadata?.name, p.status?.phase]))).toBe(
      "Succeeded",
    );

    const result = JSON.parse(readFileSync(path.join(storage(), killed.outputDir, "result.json"), "utf8"));
    expect(result.metrics.resumedAtEpoch).toBe(1);
    expect(result.metrics.resumedAtUpdate).toBeGreaterThanOrEqual(atDelete.step);

    const compare = [
      "import sys, torch",
      "a, b = (torch.load(p, weights_only=True) for p in sys.argv[1:3])",
      "for key in ('state_dict', 'state_dict_ema'):",
      "    assert a[key].keys() == b[key].keys(), key",
      "    for k in a[key]:",
      "        assert torch.equal(a[key][k], b[key][k]), (key, k)",
      "print('equal', len(a['state_dict']))",
    ].join("\n");
    const checkpoints = readdirSync(path.join(storage(), straight.outputDir)).filter((f) =>
      /^checkpoint-\d+\.pth\.tar$/.test(f),
    );
    expect(checkpoints.length).toBeGreaterThanOrEqual(2);
    for (const checkpoint of checkpoints) {
      const { stdout } = await run(PYTHON, [
        "-c",
        compare,
        path.join(storage(), straight.outputDir, checkpoint),
        path.join(storage(), killed.outputDir, checkpoint),
      ]);
      expect(stdout).toMatch(/^equal \d+/);
    }
  });
});
