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

  it("keeps a Job without its pod template, and observes it exactly as before", () => {
    const job = makeJobObject("j").indexed().counts(1).complete().obj() as Job;
    job.metadata = { ...job.metadata, ...bookkeeping };
    const pods = [makeFinishedPod(job, { exitCode: 0, index: 0, message: compactResultMessage({ stage: "predict" }) })];
    const kept = jobAsObserved(job);
    expect(kept.spec).toEqual({ completionMode: "Indexed" });
    expect(kept.metadata).not.toHaveProperty("managedFields");
    expect(observeJob(kept, pods)).toEqual(observeJob(job, pods));
  });

  it("keeps a pod's node, phase, conditions and container states only, and its waits read the same", () => {
    const job = makeJobObject("j").obj();
    const waiting = makeWaitingPod(job, { waiting: "ImagePullBackOff", message: "no such image" }) as Pod;
    waiting.spec = {
      nodeName: "a100-0",
      containers: [{ name: "stage", image: "x", env: [{ name: "A", value: "1" }] }],
    };
    const kept = podAsObserved(waiting);
    expect(kept.spec).toEqual({ containers: [], nodeName: "a100-0" });
    expect(kept.status).toEqual(waiting.status);
    expect(podWait([kept])).toEqual(podWait([waiting]));
    const finished = makeFinishedPod(job, { exitCode: 3, message: "boom" }) as Pod;
    expect(podAsObserved(finished).status?.containerStatuses?.[0]?.state?.terminated?.message).toBe("boom");
  });
});
