// The README's demo (crds/samples/demo.yaml, CPU placement) applied to the test cluster as a user
// would, with every stage pod run by the real kubelet node in the real stage images (built from
// docker/ by the suite's setup) under the restricted security context. The CSV must have the
// same bytes as the local runner's, and the status must carry what the stages' termination
// messages said (artifacts with their sha256).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { Resource } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { POD_USER, realNodeName } from "./support/real-node.ts";
import { onNodeImagesConfig } from "./support/stage-images.ts";

const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/**
 * Pod sizes for a 2-core test node: the catalogue's defaults are sized for A100 nodes and would
 * not fit. Set through the GPU pool's override, as an operator of a small cluster would.
 */
const SMALL_NODE_SIZES = Object.fromEntries(
  ["export-onnx", "predict", "aggregate"].map((stage) => [
    stage,
    { cpu: "250m", memory: "3Gi", ephemeralStorage: "1Gi", shm: "256Mi" },
  ]),
);

describe("the demo on the test cluster, every stage a real pod in its real image (kubelet + containerd)", () => {
  let localCsv: Promise<string>;
  const cluster = useClusterNamespace("demo-real", 600_000)
    .storageFolder()
    .setup(async (t) => {
      // The demo's storage-relative inputs, as `--link-assets` provides them locally.
      for (const folder of ["assets/samples", "assets/data"]) {
        cpSync(path.join(REPO_ROOT, folder), path.join(t.storage, folder), { recursive: true });
      }
      await run("chown", ["-R", `${POD_USER}:${POD_USER}`, t.storage]);
    })
    .onlyRealNode()
    .withOperator(() => ({ config: onNodeImagesConfig(SMALL_NODE_SIZES) }))
    .setup(async (t) => {
      // The reference: the same manifest through the local runner (README's first command).
      const localStorage = mkdtempSync(path.join(tmpdir(), "mammoflow-demo-local-"));
      localCsv = run(
        process.execPath,
        ["bin/mammoflow.js", "run", "crds/samples/demo.yaml", "--storage", localStorage, "--link-assets"],
        { cwd: REPO_ROOT, maxBuffer: 1 << 26 },
      ).then(() => path.join(localStorage, "runs/local/Submission/demo/aggregate/submission.csv"));
      // `kubectl apply -f crds/samples/demo.yaml`.
      await t.applyManifests(path.join(REPO_ROOT, "crds/samples/demo.yaml"));
    });

  let submission: Resource;

  it("ends Succeeded, every stage pod having run on the real node and exited 0", async () => {
    submission = await cluster.finished("Submission", "demo", 540_000);
    expect(submission.status?.phase, JSON.stringify(submission.status?.conditions)).toBe("Succeeded");
    const pods = (await cluster.pods()) as V1Pod[];
    const stages = pods.map((p) => p.metadata?.labels?.["mammoflow.io/stage"]).sort();
    expect(stages).toEqual(["aggregate", "export-onnx", "export-onnx", "predict"]);
    for (const pod of pods) {
      expect(pod.spec?.nodeName).toBe(realNodeName());
      expect(pod.status?.phase).toBe("Succeeded");
      expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
      expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(pod.spec?.containers[0]?.securityContext?.readOnlyRootFilesystem).toBe(true);
    }
  }, 600_000); // the wait above may take 540 s on a loaded 2-core machine

  it("writes the same submission.csv bytes as the local runner", async () => {
    const clusterCsv = path.join(cluster.storage, `runs/${cluster.name}/Submission/demo/aggregate/submission.csv`);
    const local = await localCsv;
    expect(readFileSync(clusterCsv, "utf8")).toBe(readFileSync(local, "utf8"));
  });

  it("lists the CSV and the report in status.artifacts with the sha256 the stage reported", () => {
    const artifacts = (submission.status?.artifacts ?? []) as { name: string; path: string; sha256?: string }[];
    for (const [name, file] of [
      ["submission", "submission.csv"],
      ["report", "report.html"],
    ]) {
      const artifact = artifacts.find((a) => a.name === name);
      expect(artifact, `${name} in ${JSON.stringify(artifacts)}`).toBeDefined();
      expect(artifact?.path).toBe(`runs/${cluster.name}/Submission/demo/aggregate/${file}`);
      expect(artifact?.sha256).toBe(sha256(path.join(cluster.storage, artifact?.path ?? "")));
    }
  });
});
