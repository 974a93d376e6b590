// The pods of the bench's stage Jobs. Neither kube-controller-manager nor a kubelet runs in the
// bench's control plane (at 10,000 Jobs they would take the two cores from what is measured), so
// this plays both, with the writes they make and in their order, for each Job the operator
// applies: the Job controller creates the pod (owned by the Job, labelled as it labels them) and
// records the Job active; a kubelet reports the pod Pending with its container being created, then
// Running; the Job controller counts it ready. When the bench ends a stage, the kubelet reports the
// container terminated with the stage's compact result as its termination message (pod Succeeded)
// and the Job controller marks the Job complete.
import type { V1Job, V1Pod } from "@kubernetes/client-node";
import {
  KIND_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  REQUEST_DIGEST_ANNOTATION,
  RESOURCE_LABEL,
  STAGE_ID_LABEL,
  STAGE_LABEL,
} from "../../../operator/executors/kubernetes/names.ts";
import type { KubeClient, KubeObject } from "../../../operator/kube/client.ts";
import { Informer } from "../../../operator/kube/informer.ts";
import { createLogger } from "../../../operator/log/logger.ts";
import { stageDir } from "../../../operator/pipeline/layout.ts";

type JobObject = V1Job & KubeObject;

/** Kubernetes writes times in whole seconds. */
const kubeTime = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");

/** Simulated nodes the pods are bound to (no scheduler runs; the API server accepts any name). */
const NODES = 16;

interface StagePod {
  pod: string;
  job: string;
  startedAt: string;
  /** The compact result the stage prints when it ends (jobs/contract/termination.ts). */
  terminationMessage: string;
}

export class SimulatedJobPods {
  private readonly informer: Informer<JobObject>;
  private readonly started = new Set<string>();
  /** Stage pods that run, by Job name. */
  readonly running = new Map<string, StagePod>();
  private readonly waiting: (() => Promise<void>)[] = [];
  private active = 0;
  private failure: Error | undefined;

  constructor(
    private readonly admin: KubeClient,
    private readonly namespace: string,
    /** Requests in flight at most, as the Job controller's and kubelet's client rate limits bound theirs. */
    private readonly concurrency = 25,
  ) {
    this.informer = new Informer<JobObject>(
      admin,
      {
        path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`,
        name: "simulated-job-controller",
      },
      createLogger("silent"),
    );
    this.informer.onChange((job, change) => {
      const name = job.metadata.name;
      if (change !== "add" || this.started.has(name)) return;
      this.started.add(name);
      this.schedule(() => this.runPod(job));
    });
  }

  run(signal: AbortSignal): void {
    void this.informer.run(signal);
  }

  /** Resolves once every Job of `jobs` has its pod running. */
  async waitForRunning(jobs: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.failure) throw this.failure;
      if (jobs.every((j) => this.running.has(j))) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`only ${this.running.size}/${jobs.length} stage pods run`);
  }

  /** The stage of Job `job` ends well: its pod Succeeded, then the Job Complete. */
  async succeed(job: string): Promise<void> {
    const stage = this.running.get(job);
    if (!stage) throw new Error(`Job ${job} has no running pod`);
    const now = kubeTime();
    await this.admin.mergePatch(this.podPath(stage.pod, "status"), {
      status: {
        phase: "Succeeded",
        conditions: podConditions(stage.startedAt, now, false),
        containerStatuses: [
          {
            name: "stage",
            image: "mammoflow/stage",
            imageID: "mammoflow/stage",
            ready: false,
            started: false,
            restartCount: 0,
            state: {
              terminated: {
                exitCode: 0,
                reason: "Completed",
                message: stage.terminationMessage,
                startedAt: stage.startedAt,
                finishedAt: now,
              },
            },
          },
        ],
      },
    });
    const complete = (type: string) => ({
      type,
      status: "True",
      reason: "CompletionsReached",
      message: "Reached expected number of succeeded pods",
      lastProbeTime: now,
      lastTransitionTime: now,
    });
    await this.admin.mergePatch(`/apis/batch/v1/namespaces/${this.namespace}/jobs/${job}/status`, {
      status: {
        active: 0,
        ready: 0,
        succeeded: 1,
        completionTime: now,
        conditions: [complete("SuccessCriteriaMet"), complete("Complete")],
        uncountedTerminatedPods: {},
      },
    });
    this.running.delete(job);
  }

  private podPath(pod: string, subresource?: string): string {
    return `/api/v1/namespaces/${this.namespace}/pods/${pod}${subresource ? `/${subresource}` : ""}`;
  }

  private schedule(task: () => Promise<void>): void {
    this.waiting.push(task);
    this.next();
  }

  private next(): void {
    while (this.active < this.concurrency && this.waiting.length > 0) {
      const task = this.waiting.shift();
      if (!task) return;
      this.active += 1;
      task()
        .catch((error: Error) => {
          this.failure ??= error;
        })
        .finally(() => {
          this.active -= 1;
          this.next();
        });
    }
  }

  /** Job controller: the pod and the Job's active count; kubelet: Pending (creating), then Running. */
  private async runPod(job: JobObject): Promise<void> {
    const { name: jobName, uid = "", labels = {}, annotations = {} } = job.metadata;
    const template = job.spec?.template;
    if (!template?.spec) throw new Error(`Job ${jobName} has no pod template`);
    const podName = `${jobName}-${Math.random().toString(36).slice(2, 7)}`;
    const jobLabels = {
      "batch.kubernetes.io/controller-uid": uid,
      "batch.kubernetes.io/job-name": jobName,
      "controller-uid": uid,
      "job-name": jobName,
    };
    const pod: V1Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: podName,
        namespace: this.namespace,
        labels: { ...template.metadata?.labels, ...jobLabels },
        annotations: { ...template.metadata?.annotations },
        ownerReferences: [
          { apiVersion: "batch/v1", kind: "Job", name: jobName, uid, controller: true, blockOwnerDeletion: true },
        ],
      },
      // Bound as the scheduler would bind it (no scheduler runs).
      spec: { ...template.spec, nodeName: `sim-node-${this.started.size % NODES}` },
    };
    await this.admin.create(`/api/v1/namespaces/${this.namespace}/pods`, pod);
    const created = kubeTime();
    await this.admin.mergePatch(`/apis/batch/v1/namespaces/${this.namespace}/jobs/${jobName}/status`, {
      status: { startTime: created, active: 1, ready: 0, uncountedTerminatedPods: {} },
    });
    const containers = template.spec.containers;
    await this.admin.mergePatch(this.podPath(podName, "status"), {
      status: {
        phase: "Pending",
        hostIP: "10.0.0.1",
        startTime: created,
        conditions: [
          { type: "PodScheduled", status: "True", lastTransitionTime: created },
          { type: "Initialized", status: "True", lastTransitionTime: created },
          { type: "ContainersReady", status: "False", reason: "ContainersNotReady", lastTransitionTime: created },
          { type: "Ready", status: "False", reason: "ContainersNotReady", lastTransitionTime: created },
        ],
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: c.image,
          imageID: "",
          ready: false,
          started: false,
          restartCount: 0,
          state: { waiting: { reason: "ContainerCreating" } },
        })),
      },
    });
    const startedAt = kubeTime();
    await this.admin.mergePatch(this.podPath(podName, "status"), {
      status: {
        phase: "Running",
        podIP: "10.1.0.1",
        conditions: podConditions(created, startedAt, true),
        containerStatuses: containers.map((c) => ({
          name: c.name,
          image: c.image,
          imageID: c.image,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt } },
        })),
      },
    });
    await this.admin.mergePatch(`/apis/batch/v1/namespaces/${this.namespace}/jobs/${jobName}/status`, {
      status: { ready: 1 },
    });
    const kind = labels[KIND_LABEL] ?? "";
    const resource = labels[RESOURCE_LABEL] ?? "";
    const stage = labels[STAGE_LABEL] ?? "";
    const outputDir = stageDir(this.namespace, kind, resource, labels[STAGE_ID_LABEL] ?? stage);
    const terminationMessage = JSON.stringify({
      stage,
      outcome: "Succeeded",
      requestDigest: annotations[REQUEST_DIGEST_ANNOTATION],
      metrics: {},
      problems: 0,
      artifacts: [
        { name: "onnx", path: `${outputDir}/model.onnx` },
        { name: "modelCard", path: `${outputDir}/model-card.json` },
      ],
      truncated: false,
    });
    this.running.set(jobName, { pod: podName, job: jobName, startedAt, terminationMessage });
  }
}

/** The pod's conditions as a kubelet reports them: scheduled and initialized, ready while it runs. */
function podConditions(since: string, now: string, ready: boolean): Record<string, string>[] {
  const readiness = ready ? { status: "True" } : { status: "False", reason: "PodCompleted" };
  return [
    { type: "PodScheduled", status: "True", lastTransitionTime: since },
    { type: "Initialized", status: "True", lastTransitionTime: since },
    { type: "ContainersReady", ...readiness, lastTransitionTime: now },
    { type: "Ready", ...readiness, lastTransitionTime: now },
  ];
}
