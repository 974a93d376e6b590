import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { MANAGED_BY, MANAGED_BY_LABEL } from "../executors/kubernetes/names.ts";
import { REQUEST_ANNOTATION_PREFIX } from "../executors/kubernetes/request-volume.ts";
import { jobAsObserved, podAsObserved } from "../kube/cache-transforms.ts";
import { type KubeClient, type KubeObject, type ResourceType, resourcePath } from "../kube/client.ts";
import { Informer } from "../kube/informer.ts";
import type { Logger } from "../log/logger.ts";
import { type NodeObject, nodeInformer } from "./gpu-nodes.ts";
import { JOB_TYPE, KIND_TYPES, POD_TYPE } from "./resource-types.ts";

export type JobObject = V1Job & KubeObject;
export type PodObject = V1Pod & KubeObject;

/** The pods index: a pod under the uids of the Jobs that own it. */
export const BY_JOB = "job";
const ownerJobs = (pod: PodObject) =>
  (pod.metadata.ownerReferences ?? []).filter((o) => o.kind === "Job").map((o) => o.uid);

/**
 * The informers of the operator: every mammoflow kind, the Jobs and pods it created, and, with
 * `nodes` (config.operator.gpuCapacityCheck), the cluster's Nodes for the GPU capacity check.
 */
export class Caches {
  readonly kinds = new Map<string, Informer<KubeObject>>();
  readonly jobs: Informer<JobObject>;
  readonly pods: Informer<PodObject>;
  readonly nodes: Informer<NodeObject> | undefined;

  constructor(client: KubeClient, namespace: string | undefined, log: Logger, options: { nodes?: boolean } = {}) {
    const path = (type: ResourceType) => resourcePath(type, namespace);
    for (const [kind, type] of KIND_TYPES) {
      this.kinds.set(kind, new Informer(client, { path: path(type), name: kind }, log));
    }
    const managed = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
    this.jobs = new Informer<JobObject>(
      client,
      { path: path(JOB_TYPE), labelSelector: managed, name: "Job", transform: jobAsObserved },
      log,
    );
    this.pods = new Informer<PodObject>(
      client,
      {
        path: path(POD_TYPE),
        labelSelector: managed,
        name: "Pod",
        // A stage pod carries its request in annotations (a few KiB each): never read from the cache.
        transform: (pod) => podAsObserved(pod, (key) => key.startsWith(REQUEST_ANNOTATION_PREFIX)),
      },
      log,
    );
    this.pods.addIndex(BY_JOB, ownerJobs);
    this.nodes = options.nodes ? nodeInformer(client, log) : undefined;
  }

  /** The pods a Job owns, from the index (not a pass over every pod). */
  podsOf(job: JobObject): PodObject[] {
    return job.metadata.uid ? this.pods.byIndex(BY_JOB, job.metadata.uid) : [];
  }

  kind(kind: string): Informer<KubeObject> {
    const informer = this.kinds.get(kind);
    if (!informer) throw new Error(`no informer for ${kind}`);
    return informer;
  }

  all(): Informer<KubeObject>[] {
    return [
      ...this.kinds.values(),
      this.jobs as Informer<KubeObject>,
      this.pods as Informer<KubeObject>,
      ...(this.nodes ? [this.nodes as Informer<KubeObject>] : []),
    ];
  }

  get synced(): boolean {
    return this.all().every((i) => i.hasSynced);
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.all().map((i) => i.run(signal)));
  }

  async waitForSync(): Promise<void> {
    await Promise.all(this.all().map((i) => i.waitForSync()));
  }
}
