// A toy ClassifierFold (convnext_atto at 64×32, four epochs from random weights, CPU) applied to
// the test cluster and trained by the operator's own train-fold Job, in the real stage-python
// image on the real kubelet node. One fold is left alone; in the other the pod is deleted
// mid-epoch, the Job controller starts a replacement pod, and that pod resumes from the
// checkpoint on the shared volume: both must end with the same weights, and the status must say
// where the second resumed. The fold's inputs (its detector and dataset) are resources whose
// stages finished earlier (support/finished-resource.ts), with synthetic crops and split written
// by the Python tests' generator at their stages' folders: producing them for real needs DICOMs
// and a detector, which the demo test covers.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { classifierFoldKind } from "../../operator/api/kinds/classifier-fold.ts";
import { RESOURCE_LABEL, STAGE_LABEL } from "../../operator/executors/kubernetes/names.ts";
import type { Resource } from "./support/cluster.ts";
import { createFinishedResource } from "./support/finished-resource.ts";
import { type TestNamespace, useClusterNamespace } from "./support/namespace.ts";
import { POD_USER, realNodeName } from "./support/real-node.ts";
import { onNodeImagesConfig } from "./support/stage-images.ts";
import { waitFor } from "./support/wait.ts";

const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const PYTHON = path.join(REPO_ROOT, ".venv/bin/python");

const TOY_FOLD = {
  dataset: { name: "toy" },
  fold: 0,
  numFolds: 2,
  model: { architecture: "convnext_atto", inputHeight: 64, inputWidth: 32 },
  training: {
    device: "Cpu", // the node has no GPU, and training never falls back to the CPU unasked
    batchSize: 4,
    validationBatchSize: 8,
    dataLoaderWorkers: 0,
    externalDatasets: ["bmcd"],
    // A checkpoint after every step, so one exists within seconds of the pod's start; and
    // deterministic kernels, so the two folds can be compared bit for bit.
    checkpointEverySteps: 1,
    deterministic: true,
  },
  stages: [
    {
      // No ImageNet weights can be downloaded here.
      init: "Random",
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

const foldDir = (ns: string, name: string) => `runs/${ns}/ClassifierFold/${name}/train-fold-1`;

describe("a toy ClassifierFold's train-fold pod deleted mid-training resumes to the same weights (real kubelet node, CPU)", () => {
  const cluster = useClusterNamespace("fold", 180_000)
    .storageFolder()
    .setup(writeFoldInputs)
    .onlyRealNode()
    .withOperator(() => ({ config: onNodeImagesConfig() }));
  const storage = () => cluster.storage;

  /** The fold's detector and dataset, finished, with synthetic crops and split in their folders. */
  async function writeFoldInputs(t: TestNamespace) {
    const detector = await createFinishedResource(t.admin, t.name, "RoiDetectorTraining", "toy-detector", {
      checkpoint: "assets/trained/yolox_nano_416_roi_torch.pth",
    });
    const dataset = await createFinishedResource(
      t.admin,
      t.name,
      "ClassificationDataset",
      "toy",
      { detector: { name: "toy-detector" }, cvSplit: { folds: 2 } },
      [detector.asDependency("detector")],
    );
    const crops = dataset.stageDirs["prepare-dataset"];
    const split = dataset.stageDirs["cv-split"];
    if (!crops || !split) throw new Error(`unexpected dataset stages: ${Object.keys(dataset.stageDirs)}`);
    const generator = [
      "import shutil, sys",
      "from pathlib import Path",
      "sys.path.insert(0, 'jobs/python/tests')",
      "from synthetic import write_classification_data",
      "root = Path(sys.argv[1])",
      "write_classification_data(root / 'synthetic', patients=8, external_patients=2)",
      "for made, stage in (('crops', sys.argv[2]), ('split', sys.argv[3])):",
      "    (root / stage).parent.mkdir(parents=True, exist_ok=True)",
      "    shutil.move(root / 'synthetic' / made, root / stage)",
    ].join("\n");
    await run(PYTHON, ["-c", generator, t.storage, crops, split], { cwd: REPO_ROOT });
    await run("chown", ["-R", `${POD_USER}:${POD_USER}`, t.storage]);
  }

  const finished = (name: string) => cluster.finished("ClassifierFold", name, 480_000);

  const podsOf = async (fold: string) =>
    ((await cluster.pods()) as V1Pod[]).filter(
      (p) => p.metadata?.labels?.[STAGE_LABEL] === "train-fold" && p.metadata?.labels?.[RESOURCE_LABEL] === fold,
    );

  let straight: Resource;
  let killed: Resource;
  let atDelete: { epoch: number; step: number };

  it("trains a fold without interruption to Succeeded, with its metrics in the status", async () => {
    // Not the same request as "killed": the result cache would make the second fold a copy of
    // this one (the same work on the same storage). How often the resume state is saved changes
    // no weight, so the two folds still end with the same checkpoints.
    await cluster.create("ClassifierFold", "straight", {
      ...TOY_FOLD,
      training: { ...TOY_FOLD.training, checkpointEverySteps: 2 },
    });
    straight = await finished("straight");
    expect(straight.status?.phase, JSON.stringify(straight.status?.conditions)).toBe("Succeeded");
    // What `kubectl get classifierfolds` shows in its pF1 column (it read a metric no stage wrote).
    const column = classifierFoldKind.printerColumns.find((c) => c.name === "pF1");
    const metric = column?.jsonPath.replace(/^\.status\.metrics\./, "") ?? "";
    expect(straight.status?.metrics?.[metric]).toBeGreaterThanOrEqual(0);
    expect(straight.status?.metrics?.[metric]).toBeLessThanOrEqual(1);
    const pods = await podsOf("straight");
    expect(pods.map((p) => [p.spec?.nodeName, p.status?.phase])).toEqual([[realNodeName(), "Succeeded"]]);
  }, 600_000);

  it("resumes a fold whose pod was deleted mid-epoch in a replacement pod, and says so in the status", async () => {
    await cluster.create("ClassifierFold", "killed", TOY_FOLD);
    const progressFile = path.join(storage(), foldDir(cluster.name, "killed"), "resume/progress.json");
    atDelete = await waitFor(
      "a mid-epoch checkpoint of the second fold",
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
    const [first] = await podsOf("killed");
    expect(first?.spec?.nodeName).toBe(realNodeName());
    expect(first?.status?.phase, "the first pod still trains when it is deleted").toBe("Running");
    await cluster.admin.delete(`/api/v1/namespaces/${cluster.name}/pods/${first?.metadata?.name}`);
    killed = await finished("killed");
    expect(killed.status?.phase, JSON.stringify(killed.status?.conditions)).toBe("Succeeded");
    const pods = await podsOf("killed");
    const replacement = pods.find((p) => p.metadata?.name !== first?.metadata?.name);
    expect(replacement?.status?.phase, JSON.stringify(pods.map((p) => [p.metadata?.name, p.status?.phase]))).toBe(
      "Succeeded",
    );
    expect(killed.status?.metrics?.resumedAtEpoch).toBe(1);
    expect(killed.status?.metrics?.resumedAtUpdate).toBeGreaterThanOrEqual(atDelete.step);
    expect(straight.status?.metrics?.resumedAtEpoch).toBeUndefined();
  }, 900_000);

  it("ends the resumed fold with the same weights as the uninterrupted one, checkpoint by checkpoint", async () => {
    const compare = [
      "import sys, torch",
      "a, b = (torch.load(p, weights_only=True) for p in sys.argv[1:3])",
      "for key in ('state_dict', 'state_dict_ema'):",
      "    assert a[key].keys() == b[key].keys(), key",
      "    for k in a[key]:",
      "        assert torch.equal(a[key][k], b[key][k]), (key, k)",
      "print('equal', len(a['state_dict']))",
    ].join("\n");
    const checkpoints = readdirSync(path.join(storage(), foldDir(cluster.name, "straight"))).filter((f) =>
      /^checkpoint-\d+\.pth\.tar$/.test(f),
    );
    expect(checkpoints.length).toBeGreaterThanOrEqual(2);
    for (const checkpoint of checkpoints) {
      const { stdout } = await run(PYTHON, [
        "-c",
        compare,
        path.join(storage(), foldDir(cluster.name, "straight"), checkpoint),
        path.join(storage(), foldDir(cluster.name, "killed"), checkpoint),
      ]);
      expect(stdout).toMatch(/^equal \d+/);
    }
  });
});
