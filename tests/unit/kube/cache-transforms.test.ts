import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { observeJob } from "../../../operator/executors/kubernetes/observe.ts";
import { podWait } from "../../../operator/executors/kubernetes/pod-waits.ts";
import { jobAsObserved, podAsObserved, withoutBookkeeping } from "../../../operator/kube/cache-transforms.ts";
import type { KubeObject } from "../../../operator/kube/client.ts";
import {
  compactResultMessage,
  makeFinishedPod,
  makeJobObject,
  makeWaitingPod,
} from "../../support/operator-builders.ts";

const bookkeeping = {
  managedFields: [{ manager: "mammoflow", operation: "Apply", fieldsV1: { "f:spec": {} } }],
  annotations: { "kubectl.kubernetes.io/last-applied-configuration": "{...}", "mammoflow.io/retry": "1" },
};

type Job = V1Job & KubeObject;
type Pod = V1Pod & KubeObject;

describe("what the informers keep", () => {
  it("drops managedFields and kubectl's last-applied copy from any object, keeping the rest", () => {
    const object = { metadata: { name: "r", namespace: "ns", ...bookkeeping }, spec: { mode: "Trained" } };
    expect(withoutBookkeeping(object)).toEqual({
      metadata: { name: "r", namespace: "ns", annotations: { "mammoflow.io/retry": "1" } },
      spec: { mode: "Trained" },
    });
    expect(object.metadata.managedFields).toHaveLength(1);
  });

  it("keeps of a Job's spec its completion mode and suspend only, and observes it exactly as before", () => {
    const job = makeJobObject("j").indexed().counts(1).complete().obj() as Job;
    job.metadata = { ...job.metadata, ...bookkeeping };
    job.spec = {
      ...job.spec,
      suspend: false,
      backoffLimit: 3,
      selector: { matchLabels: { "batch.kubernetes.io/controller-uid": "u" } },
      podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { operator: "In", values: [2] } }] },
    } as Job["spec"];
    const completed = job.status?.conditions?.[0];
    if (completed) completed.lastProbeTime = new Date("2026-01-01T00:00:00Z");
    job.status = { ...job.status, uncountedTerminatedPods: { succeeded: [] } };
    const pods = [makeFinishedPod(job, { exitCode: 0, index: 0, message: compactResultMessage({ stage: "predict" }) })];
    const kept = jobAsObserved(job);
    expect(kept.spec).toEqual({ completionMode: "Indexed", suspend: false });
    expect(kept.metadata).not.toHaveProperty("managedFields");
    expect(kept.status).not.toHaveProperty("uncountedTerminatedPods");
    expect(kept.status?.conditions?.[0]).not.toHaveProperty("lastProbeTime");
    expect(observeJob(kept, pods)).toEqual(observeJob(job, pods));
  });

  it("keeps a pod's node, phase, PodScheduled condition and containers' states only, and its waits read the same", () => {
    const job = makeJobObject("j").obj();
    const waiting = makeWaitingPod(job, { waiting: "ImagePullBackOff", message: "no such image" }) as Pod;
    waiting.spec = {
      nodeName: "a100-0",
      containers: [{ name: "stage", image: "x", env: [{ name: "A", value: "1" }] }],
    };
    const kept = podAsObserved(waiting);
    expect(kept.spec).toEqual({ containers: [], nodeName: "a100-0" });
    expect(kept.status).toEqual({
      phase: "Pending",
      containerStatuses: [
        {
          name: "stage",
          image: "registry.example/stage-ts:1",
          state: { waiting: { reason: "ImagePullBackOff", message: "no such image" } },
        },
      ],
    });
    expect(podWait([kept])).toEqual(podWait([waiting]));
    const unschedulable = makeWaitingPod(job, {
      unschedulable: "",
      message: "0/4 nodes are available: 4 Insufficient nvidia.com/gpu.",
    }) as Pod;
    unschedulable.status?.conditions?.push({ type: "Ready", status: "False" });
    expect(podAsObserved(unschedulable).status?.conditions?.map((c) => c.type)).toEqual(["PodScheduled"]);
    expect(podWait([podAsObserved(unschedulable)])).toEqual(podWait([unschedulable]));
    const finished = makeFinishedPod(job, { exitCode: 3, message: "boom" }) as Pod;
    expect(podAsObserved(finished).status?.containerStatuses?.[0]?.state?.terminated?.message).toBe("boom");
  });

  it("drops the pod annotations the caller names (the request files), keeping the completion index", () => {
    const job = makeJobObject("j").indexed().obj() as Job;
    const pod = makeWaitingPod(job, { unschedulable: "", message: "0/1 nodes are available" }) as Pod;
    pod.metadata = {
      ...pod.metadata,
      annotations: {
        "batch.kubernetes.io/job-completion-index": "2",
        "request.mammoflow.io/request-2.json": '{"stage":"prepare-dataset"}',
        "kubectl.kubernetes.io/last-applied-configuration": "{...}",
      },
    };
    const kept = podAsObserved(pod, (key) => key.startsWith("request.mammoflow.io/"));
    expect(kept.metadata.annotations).toEqual({ "batch.kubernetes.io/job-completion-index": "2" });
    expect(podAsObserved(pod).metadata.annotations).toEqual({
      "batch.kubernetes.io/job-completion-index": "2",
      "request.mammoflow.io/request-2.json": '{"stage":"prepare-dataset"}',
    });
  });
});
