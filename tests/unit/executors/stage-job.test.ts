import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../jobs/contract/canonical-json.ts";
import {
  buildRequestConfigMap,
  buildStageJob,
  needsRequestConfigMap,
  type StageJobInput,
} from "../../../operator/executors/kubernetes/job.ts";
import { stageJobName } from "../../../operator/executors/kubernetes/names.ts";
import { stageRequests } from "../../../operator/pipeline/request.ts";
import { stageDigest } from "../../../operator/pipeline/request-digest.ts";
import type { StagePlan } from "../../../operator/pipeline/stage-plan.ts";
import { makePlan, parseConfigForTest } from "../../support/operator-builders.ts";

const owner = { apiVersion: "mammoflow.io/v1alpha1", kind: "ClassifierFold", name: "f0", namespace: "ns", uid: "u-1" };
const input = (plan: StagePlan, config = parseConfigForTest()): StageJobInput => ({
  owner,
  plan,
  requests: stageRequests({ kind: owner.kind, namespace: "ns", name: "f0", generation: 1 }, plan),
  config,
});

describe("buildStageJob", () => {
  it("runs a GPU stage on the A100 pool with the volume, /dev/shm, no token and the failure policy", () => {
    const plan = makePlan("train-fold-1", "train-fold").gpu(1).obj();
    const job = buildStageJob(input(plan));
    expect(job.metadata).toEqual({
      name: "f0-fold-train-fold-1",
      namespace: "ns",
      annotations: { "mammoflow.io/request-digest": stageDigest(plan) },
      labels: {
        "app.kubernetes.io/managed-by": "mammoflow",
        "mammoflow.io/kind": "ClassifierFold",
        "mammoflow.io/resource": "f0",
        "mammoflow.io/stage": "train-fold",
        "mammoflow.io/stage-id": "train-fold-1",
      },
      ownerReferences: [
        {
          apiVersion: "mammoflow.io/v1alpha1",
          kind: "ClassifierFold",
          name: "f0",
          uid: "u-1",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    });
    const spec = job.spec;
    expect(spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      completionMode: "NonIndexed",
      backoffLimit: 3,
      activeDeadlineSeconds: 120 * 3600,
      ttlSecondsAfterFinished: 86400,
      podReplacementPolicy: "Failed",
      podFailurePolicy: {
        rules: [
          { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
          { action: "FailJob", onExitCodes: { containerName: "stage", operator: "In", values: [2] } },
        ],
      },
    });
    expect(spec?.suspend).toBeUndefined();
    const pod = spec?.template.spec;
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.imagePullSecrets).toBeUndefined();
    expect(pod?.restartPolicy).toBe("Never");
    expect(pod?.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      fsGroup: 1000,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      {
        matchExpressions: [
          {
            key: "nvidia.com/gpu.product",
            operator: "In",
            values: [
              "NVIDIA-A100-SXM4-40GB",
              "NVIDIA-A100-SXM4-80GB",
              "NVIDIA-A100-PCIE-40GB",
              "NVIDIA-A100-80GB-PCIe",
            ],
          },
        ],
      },
    ]);
    expect(pod?.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    const container = pod?.containers[0];
    expect(container?.image).toBe("ghcr.io/mammoflow/stage-python:0.1.0");
    expect(container?.command).toEqual([
      "python",
      "-m",
      "mammoflow_jobs",
      "train-fold",
      "--request",
      "/etc/mammoflow/request/request.json",
    ]);
    // The seed's fold training: 8 loader workers, 48 Gi, a 32 Gi /dev/shm inside the memory limit.
    expect(container?.resources).toEqual({
      requests: { cpu: "8", memory: "48Gi", "ephemeral-storage": "20Gi", "nvidia.com/gpu": "1" },
      limits: { memory: "80Gi", "nvidia.com/gpu": "1" },
    });
    expect(container?.env).toEqual([
      { name: "MAMMOFLOW_STORAGE_ROOT", value: "/data" },
      { name: "MAMMOFLOW_STAGE_ID", value: "train-fold-1" },
      { name: "MAMMOFLOW_TERMINATION_LOG", value: "/dev/termination-log" },
      { name: "MAMMOFLOW_TERMINATION_GRACE_SECONDS", value: "120" },
      { name: "HOME", value: "/tmp" },
      { name: "XDG_CACHE_HOME", value: "/tmp/.cache" },
    ]);
    // train-fold saves its state after the current step on SIGTERM: it gets 120 s for that.
    expect(job.spec?.template.spec?.terminationGracePeriodSeconds).toBe(120);
    expect(container?.terminationMessagePath).toBe("/dev/termination-log");
    expect(container?.terminationMessagePolicy).toBe("FallbackToLogsOnError");
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
    expect(container?.volumeMounts?.map((m) => m.mountPath)).toEqual([
      "/data",
      "/etc/mammoflow/request",
      "/dev/shm",
      "/tmp",
    ]);
    // The request travels in the pod template (a few hundred bytes): no ConfigMap to create.
    const [request] = input(plan).requests;
    expect(needsRequestConfigMap(job)).toBe(false);
    expect(job.spec?.template.metadata?.annotations).toEqual({
      "request.mammoflow.io/request.json": canonicalJson(request),
    });
    expect(pod?.volumes).toEqual([
      { name: "data", persistentVolumeClaim: { claimName: "mammoflow-data" } },
      {
        name: "request",
        downwardAPI: {
          items: [
            {
              path: "request.json",
              fieldRef: { fieldPath: "metadata.annotations['request.mammoflow.io/request.json']" },
            },
          ],
        },
      },
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "32Gi" } },
      { name: "tmp", emptyDir: {} },
    ]);
  });

  it("puts a request over 32 KiB in its own ConfigMap, mounted at the same place, and leaves the pod template without it", () => {
    const plan = makePlan("train-fold-1", "train-fold")
      .gpu(1)
      .parameters({ notes: "n".repeat(32_768) })
      .obj();
    const job = buildStageJob(input(plan));
    expect(needsRequestConfigMap(job)).toBe(true);
    expect(job.spec?.template.metadata?.annotations).toBeUndefined();
    const configMap = buildRequestConfigMap(input(plan));
    expect(configMap.metadata).toEqual({
      name: `f0-fold-train-fold-1-${stageDigest(plan).slice(0, 10)}`,
      namespace: "ns",
      labels: job.metadata?.labels,
      annotations: { "mammoflow.io/request-digest": stageDigest(plan) },
      ownerReferences: job.metadata?.ownerReferences,
    });
    expect(configMap.immutable).toBe(true);
    expect(configMap.data).toEqual({ "request.json": canonicalJson(input(plan).requests[0]) });
    expect(job.spec?.template.spec?.volumes?.find((v) => v.name === "request")).toEqual({
      name: "request",
      configMap: { name: configMap.metadata?.name },
    });
    expect(job.spec?.template.spec?.containers[0]?.volumeMounts).toContainEqual({
      name: "request",
      mountPath: "/etc/mammoflow/request",
      readOnly: true,
    });
  });

  it("runs a sharded TypeScript stage as an Indexed Job reading its shard's request", () => {
    const job = buildStageJob(input(makePlan("prepare-dataset", "prepare-dataset").shards(4).obj()));
    expect(job.spec).toMatchObject({ completions: 4, parallelism: 4, completionMode: "Indexed" });
    const container = job.spec?.template.spec?.containers[0];
    expect(container?.image).toBe("ghcr.io/mammoflow/stage-ts:0.1.0");
    expect(container?.command).toEqual([
      "mammoflow",
      "stage",
      "prepare-dataset",
      "--request",
      "/etc/mammoflow/request/request-$(JOB_COMPLETION_INDEX).json",
    ]);
    // A CPU stage neither asks for GPUs nor tolerates the GPU pool's taint.
    expect(container?.resources).toEqual({
      requests: { cpu: "8", memory: "16Gi", "ephemeral-storage": "8Gi" },
      limits: { memory: "16640Mi" },
    });
    // Each shard retries on its own; one out of retries fails the stage.
    expect(job.spec).toMatchObject({ backoffLimitPerIndex: 3, maxFailedIndexes: 0, activeDeadlineSeconds: 24 * 3600 });
    expect(job.spec?.backoffLimit).toBeUndefined();
    expect(job.spec?.template.spec?.tolerations).toBeUndefined();
    expect(job.spec?.template.spec?.affinity).toBeUndefined();
    // Every pod carries every shard's request; each reads its own file.
    const annotations = job.spec?.template.metadata?.annotations ?? {};
    expect(Object.keys(annotations)).toEqual([
      "request.mammoflow.io/request-0.json",
      "request.mammoflow.io/request-1.json",
      "request.mammoflow.io/request-2.json",
      "request.mammoflow.io/request-3.json",
    ]);
    expect(JSON.parse(annotations["request.mammoflow.io/request-2.json"] ?? "{}").shard).toEqual({
      index: 2,
      count: 4,
    });
    const volume = job.spec?.template.spec?.volumes?.find((v) => v.name === "request");
    expect(volume?.downwardAPI?.items?.map((i) => `${i.path} ${i.fieldRef?.fieldPath}`)).toEqual(
      [0, 1, 2, 3].map((i) => `request-${i}.json metadata.annotations['request.mammoflow.io/request-${i}.json']`),
    );
  });

  it("creates the Job suspended with the queue label when Kueue is configured", () => {
    const config = parseConfigForTest({ kueue: { queueName: "gpu-queue" } });
    const job = buildStageJob(input(makePlan("predict", "predict").gpu(1).obj(), config));
    expect(job.spec?.suspend).toBe(true);
    expect(job.metadata?.labels?.["kueue.x-k8s.io/queue-name"]).toBe("gpu-queue");
  });

  it("pulls stage images with the configured pull secrets", () => {
    const config = parseConfigForTest({ images: { pullSecrets: ["registry-a", "registry-b"] } });
    const job = buildStageJob(input(makePlan("predict", "predict").obj(), config));
    expect(job.spec?.template.spec?.imagePullSecrets).toEqual([{ name: "registry-a" }, { name: "registry-b" }]);
  });

  it("lets stage pods copy other namespaces' results only when the configuration allows it", () => {
    const plan = makePlan("predict", "predict").obj();
    const envOf = (config = parseConfigForTest()) =>
      buildStageJob(input(plan, config)).spec?.template.spec?.containers[0]?.env?.map((e) => e.name);
    expect(envOf()).not.toContain("MAMMOFLOW_REUSE_SCOPE");
    const shared = parseConfigForTest({ storage: { reuseResultsAcrossNamespaces: true } });
    const env = buildStageJob(input(plan, shared)).spec?.template.spec?.containers[0]?.env;
    expect(env?.find((e) => e.name === "MAMMOFLOW_REUSE_SCOPE")).toEqual({
      name: "MAMMOFLOW_REUSE_SCOPE",
      value: "storage",
    });
    // The request is the same either way: its digest, files and the stage's results stand.
    expect(buildStageJob(input(plan, shared)).spec?.template.metadata).toEqual(
      buildStageJob(input(plan)).spec?.template.metadata,
    );
    expect(buildRequestConfigMap(input(plan, shared))).toEqual(buildRequestConfigMap(input(plan)));
  });

  it("sizes pods from the catalogue, then the pool's override, then the resource's own", () => {
    const config = parseConfigForTest({
      gpuPools: { a100: { gpuType: "a100", resources: { "train-fold": { memory: "96Gi", shm: "64Gi", cpu: "12" } } } },
    });
    const plan = {
      ...makePlan("train-fold-1", "train-fold").gpu(2).obj(),
      resources: { cpu: "16", deadlineHours: 200 },
    };
    const job = buildStageJob(input(plan, config));
    expect(job.spec?.activeDeadlineSeconds).toBe(200 * 3600);
    const pod = job.spec?.template.spec;
    expect(pod?.containers[0]?.resources).toEqual({
      requests: { cpu: "16", memory: "96Gi", "ephemeral-storage": "20Gi", "nvidia.com/gpu": "2" },
      limits: { memory: "160Gi", "nvidia.com/gpu": "2" },
    });
    expect(pod?.volumes?.find((v) => v.name === "dshm")).toEqual({
      name: "dshm",
      emptyDir: { medium: "Memory", sizeLimit: "64Gi" },
    });
  });

  it("refuses a pool that is not configured", () => {
    const plan = { ...makePlan("predict", "predict").gpu(1).obj(), gpuPool: "h100" };
    expect(() => buildStageJob(input(plan))).toThrow('GPU pool "h100" is not configured (known: a100)');
  });
});

describe("stageJobName", () => {
  it("is deterministic and at most 63 characters", () => {
    expect(stageJobName("Submission", "s", "predict")).toBe("s-subm-predict");
    const long = stageJobName("ClassifierFold", "a".repeat(60), "train-fold-2");
    expect(long).toHaveLength(63);
    expect(long).toBe(stageJobName("ClassifierFold", "a".repeat(60), "train-fold-2"));
    expect(long).not.toBe(stageJobName("ClassifierFold", "a".repeat(60), "train-fold-1"));
  });
});
