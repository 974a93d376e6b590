// The toy FullReproduce (crds/samples/reproduction-toy.yaml: detector training, dataset, four
// folds, selection, export and submission at toy size on the CPU) applied to the test cluster as
// a user would, on the toy competition dataset (jobs/python/tools/make_toy_competition.py), with
// every stage pod run by the real kubelet node in the real stage images under the restricted
// security context. The local runner's twin is tests/e2e/toy-reproduction.test.ts.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { KIND_LABEL, RESOURCE_LABEL, STAGE_ID_LABEL, STAGE_LABEL } from "../../operator/executors/kubernetes/names.ts";
import type { Resource } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { POD_USER, podLog, realNodeName } from "./support/real-node.ts";
import { onNodeImagesConfig } from "./support/stage-images.ts";

const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const SAMPLE = path.join(REPO_ROOT, "crds/samples/reproduction-toy.yaml");
const RSNA = "datasets/raw/rsna-breast-cancer-detection";
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/**
 * The Jobs the toy FullReproduce runs, as `Kind/name stage-id`: the local e2e's expectedStages
 * for FullReproduce. The sample turns TensorRT off, so no build-engine Job is planned here either.
 */
const EXPECTED_JOBS = [
  ...["roi-images", "roi-dataset", "train-detector", "export-onnx"].map((s) => `RoiDetectorTraining/toy-detector ${s}`),
  "ClassificationDataset/toy-dataset prepare-dataset",
  "ClassificationDataset/toy-dataset cv-split",
  ...[0, 1, 2, 3].map((f) => `ClassifierFold/toy-fold-${f} train-fold-1`),
  "EngineBuild/toy-engine select-checkpoints",
  "EngineBuild/toy-engine export-onnx",
  "Submission/toy-submission predict",
  "Submission/toy-submission aggregate",
].sort();

const CHILDREN = [
  ["RoiDetectorTraining", "toy-detector"],
  ["ClassificationDataset", "toy-dataset"],
  ...[0, 1, 2, 3].map((f) => ["ClassifierFold", `toy-fold-${f}`]),
  ["EngineBuild", "toy-engine"],
  ["Submission", "toy-submission"],
] as const;

const SMALL_POD = { cpu: "250m", memory: "3Gi", ephemeralStorage: "1Gi", shm: "256Mi" };

/**
 * Pod sizes for the 2-core test node (the catalogue's defaults are sized for A100 nodes), set
 * through the GPU pool's override as an operator of a small cluster would: memory with room for
 * torch at toy size, and a small CPU request, since the stages run one after another. Except the
 * folds, which may all run at once: each torch process spreads its threads over every core of the
 * node (no CPU limit), and four side by side took longer than one after another, so a fold asks
 * for the node's two cores.
 */
const SMALL_NODE_SIZES = {
  ...Object.fromEntries(
    [
      "roi-images",
      "roi-dataset",
      "train-detector",
      "export-onnx",
      "prepare-dataset",
      "cv-split",
      "select-checkpoints",
      "predict",
      "aggregate",
    ].map((stage) => [stage, SMALL_POD]),
  ),
  "train-fold": { ...SMALL_POD, cpu: "2" },
};

/**
 * The local runner takes about 5 minutes on an idle 2-core machine, pods add their starts; on one
 * loaded by other work (load 30) the detector and dataset stages alone took 18 minutes in pods.
 */
const RUN_LIMIT_MS = 2_700_000;

describe("the toy FullReproduce on the test cluster, every stage a real pod in its real image (kubelet + containerd)", () => {
  const cluster = useClusterNamespace("toy-real", 300_000)
    .storageFolder()
    .setup(async (t) => {
      await run(path.join(REPO_ROOT, ".venv/bin/python"), ["jobs/python/tools/make_toy_competition.py", t.storage], {
        cwd: REPO_ROOT,
      });
      await run("chown", ["-R", `${POD_USER}:${POD_USER}`, t.storage]);
    })
    .onlyRealNode()
    .withOperator(() => ({ config: onNodeImagesConfig(SMALL_NODE_SIZES) }))
    // `kubectl apply -f crds/samples/reproduction-toy.yaml`.
    .setup((t) => t.applyManifests(SAMPLE));
  const storage = () => cluster.storage;

  /** The last lines of every pod that did not succeed, so a failing stage explains itself. */
  async function failedPodLogs(): Promise<string> {
    const pods = (await cluster.pods()) as V1Pod[];
    const logs = await Promise.all(
      pods
        .filter((p) => p.status?.phase !== "Succeeded")
        .map(async (p) => {
          const log = await podLog(cluster.name, p.metadata?.name ?? "").catch((e: Error) => e.message);
          return `--- ${p.metadata?.name} (${p.status?.phase}):\n${log.split("\n").slice(-30).join("\n")}`;
        }),
    );
    return logs.join("\n");
  }

  let succeededChildren: Resource[] | undefined;
  /** The children the first test found Succeeded; the checks below read their statuses. */
  const children = () => {
    if (!succeededChildren) throw new Error("the reproduction did not succeed (see the first test)");
    return succeededChildren;
  };

  it(
    "ends Succeeded with every child Succeeded, each planned Job having run on the real node",
    async () => {
      const started = Date.now();
      const reproduction = await cluster.finished("Reproduction", "toy", RUN_LIMIT_MS);
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      console.log(`toy FullReproduce in real pods: ${reproduction.status?.phase} after ${seconds} s`);
      if (reproduction.status?.phase !== "Succeeded") {
        throw new Error(
          `Reproduction toy ${reproduction.status?.phase}: ${JSON.stringify(reproduction.status)}\n${await failedPodLogs()}`,
        );
      }
      expect(reproduction.status?.children?.map((c) => [c.kind, c.name, c.phase]).sort()).toEqual(
        CHILDREN.map(([kind, name]) => [kind, name, "Succeeded"]).sort(),
      );
      const found = await Promise.all(CHILDREN.map(([kind, name]) => cluster.get(kind, name)));
      for (const child of found) expect(child.status?.phase, `${child.kind}/${child.metadata.name}`).toBe("Succeeded");
      succeededChildren = found;

      const jobs = (await cluster.jobs()) as V1Job[];
      const label = (j: V1Job, key: string) => j.metadata?.labels?.[key];
      expect(
        jobs.map((j) => `${label(j, KIND_LABEL)}/${label(j, RESOURCE_LABEL)} ${label(j, STAGE_ID_LABEL)}`).sort(),
      ).toEqual(EXPECTED_JOBS);
      for (const job of jobs) expect(job.status?.succeeded, job.metadata?.name).toBe(1);
      const pods = (await cluster.pods()) as V1Pod[];
      expect(pods.map((p) => p.metadata?.labels?.[STAGE_LABEL]).sort()).toEqual(
        jobs.map((j) => label(j, STAGE_LABEL)).sort(),
      );
      for (const pod of pods) {
        expect(pod.spec?.nodeName).toBe(realNodeName());
        expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, pod.metadata?.name).toBe(0);
        expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: POD_USER });
        expect(pod.spec?.containers[0]?.securityContext?.readOnlyRootFilesystem).toBe(true);
        expect(pod.spec?.containers[0]?.resources?.limits).not.toHaveProperty("nvidia.com/gpu");
      }
    },
    RUN_LIMIT_MS + 60_000,
  );

  it("lists in each child's status.artifacts the files on the storage with their sha256, folders without", () => {
    for (const child of children()) {
      const where = `${child.kind}/${child.metadata.name}`;
      const artifacts = (child.status?.artifacts ?? []) as { name: string; path: string; sha256?: string }[];
      expect(artifacts.length, `${where} artifacts`).toBeGreaterThan(0);
      for (const artifact of artifacts) {
        expect(
          artifact.path.startsWith(`runs/${cluster.name}/${child.kind}/${child.metadata.name}/`),
          artifact.path,
        ).toBe(true);
        const file = path.join(storage(), artifact.path);
        if (artifact.sha256 === undefined) expect(statSync(file).isDirectory(), `${where} ${artifact.path}`).toBe(true);
        else expect(sha256(file), `${where} ${artifact.path}`).toBe(artifact.sha256);
      }
    }
  });

  it("writes a submission.csv with one 0/1 row for each of the 8 test breasts, in prediction_id order", () => {
    const submission = children().find((c) => c.kind === "Submission");
    const artifacts = (submission?.status?.artifacts ?? []) as { name: string; path: string }[];
    const csv = artifacts.find((a) => a.name === "submission")?.path;
    expect(csv).toBe(`runs/${cluster.name}/Submission/toy-submission/aggregate/submission.csv`);
    const test = readFileSync(path.join(storage(), RSNA, "test.csv"), "utf8")
      .trim()
      .split("\n");
    const column = test[0]?.split(",").indexOf("prediction_id") ?? -1;
    const breasts = [...new Set(test.slice(1).map((line) => line.split(",")[column]))].sort();
    expect(breasts).toHaveLength(8);
    const rows = readFileSync(path.join(storage(), csv ?? ""), "utf8")
      .trim()
      .split("\n");
    expect(rows[0]).toBe("prediction_id,cancer");
    expect(rows.slice(1).map((line) => line.split(",")[0])).toEqual(breasts);
    for (const line of rows.slice(1)) expect(line).toMatch(/^\d+_[LR],[01]$/);
  });
});
