// The operator's input preflight on the test cluster with real pods: the check-inputs stage runs
// in the real TypeScript stage image on the real kubelet node, mounting the namespace's storage
// claim, before the first stage. A detector whose checkpoint is not on the volume ends Blocked
// (InputsMissing) naming the path and the manifest field, and no stage Job is made; once the file
// is there and the recheck annotation is bumped, a new look finds it and the stage runs.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { condition, type Resource } from "./support/cluster.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { POD_USER, realNodeName } from "./support/real-node.ts";
import { onNodeImagesConfig } from "./support/stage-images.ts";
import { waitFor } from "./support/wait.ts";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const CHECKPOINT = "assets/samples/models/yolox_nano_roi.pth";
/** Pod sizes for the 2-core test node (the catalogue's suit A100 nodes), as demo-real-pods sets them. */
const SMALL_NODE_SIZES = {
  "export-onnx": { cpu: "250m", memory: "3Gi", ephemeralStorage: "1Gi", shm: "256Mi" },
};

const stageOf = (object: V1Job | V1Pod) => object.metadata?.labels?.["mammoflow.io/stage"];

describe("the input preflight, a real check-inputs pod on the storage volume", () => {
  const cluster = useClusterNamespace("preflight-real", 300_000)
    .storageFolder()
    .onlyRealNode()
    .withOperator(() => ({
      config: { ...onNodeImagesConfig(SMALL_NODE_SIZES), operator: { inputPreflight: true } },
    }));
  const spec = { source: "Trained", checkpoint: CHECKPOINT, placement: { gpusPerPod: 0 } };

  it("holds a detector whose checkpoint is missing Blocked (InputsMissing), naming the path and the field, with no stage Job", async () => {
    await cluster.create("RoiDetectorTraining", "det", spec);
    const blocked = await waitFor(
      "RoiDetectorTraining/det Blocked with reason InputsMissing",
      async () => {
        const r = await cluster.get("RoiDetectorTraining", "det");
        return condition(r, "Blocked")?.reason === "InputsMissing" ? r : undefined;
      },
      240_000,
      async () => (await cluster.get("RoiDetectorTraining", "det")).status,
    );
    expect(blocked.status?.phase).toBe("Blocked");
    const message = condition(blocked, "Blocked")?.message ?? "";
    expect(message.split("\n")).toEqual([
      expect.stringMatching(
        /^1 input\(s\) missing on the storage volume, so no stage started \(found by Job det-roidet-check-inputs-[0-9a-f]{10}\):$/,
      ),
      `  ${CHECKPOINT}: read by RoiDetectorTraining/det export-onnx (inputs.checkpoint); named by RoiDetectorTraining/det spec.checkpoint; put it there or change that field`,
      "After putting them there, set the mammoflow.io/recheck annotation to a new value to check again.",
    ]);
    expect((blocked.status as { missingInputs?: string[] }).missingInputs).toEqual([CHECKPOINT]);
    // Only the preflight ran: one Job, its pod on the real node, exit 0 (a finding, not a failure).
    expect((await cluster.jobs()).map(stageOf)).toEqual(["check-inputs"]);
    const pods = (await cluster.pods()) as V1Pod[];
    expect(pods.map((p) => [stageOf(p), p.spec?.nodeName, p.status?.phase])).toEqual([
      ["check-inputs", realNodeName(), "Succeeded"],
    ]);
    expect(pods[0]?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
  }, 300_000);

  let detector: Resource;

  it("looks again when the recheck annotation is bumped after the file is put there, and then runs the stage", async () => {
    const target = path.join(cluster.storage, CHECKPOINT);
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(path.join(REPO_ROOT, CHECKPOINT), target);
    // The pods run as the stage images' user; the storage folder is theirs.
    execFileSync("chown", ["-R", `${POD_USER}:${POD_USER}`, path.join(cluster.storage, "assets")]);
    await cluster.patch("RoiDetectorTraining", "det", {
      metadata: { annotations: { "mammoflow.io/recheck": "copied" } },
    });
    detector = await cluster.finished("RoiDetectorTraining", "det", 420_000);
    expect(detector.status?.phase, JSON.stringify(detector.status?.conditions)).toBe("Succeeded");
    expect((detector.status as { missingInputs?: string[] }).missingInputs).toBeUndefined();
    expect(detector.status?.observedRecheck).toBe("copied");
    expect(condition(detector, "Blocked")).toMatchObject({ status: "False", reason: "InputsReady" });
    const jobs = (await cluster.jobs()).map(stageOf).sort();
    expect(jobs).toEqual(["check-inputs", "check-inputs", "export-onnx"]);
    for (const pod of (await cluster.pods()) as V1Pod[]) {
      expect(pod.spec?.nodeName).toBe(realNodeName());
      expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
    }
  }, 480_000);
});
