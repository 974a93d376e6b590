// The operator's reconcilers over the in-memory API (in-memory-api.ts) and its real caches and
// watch wiring, driven to rest by a test instead of by work-queue workers: `settle` delivers the
// watch events, runs every reconcile they queued, and repeats until nothing changes. The test
// plays the Job controller and the kubelet (a Job's pods and its status) and the user (apply).
import { API_GROUP, API_GROUP_VERSION, API_VERSION } from "../../operator/api/group.ts";
import { Caches, type JobObject } from "../../operator/controllers/caches.ts";
import type { ControllerContext } from "../../operator/controllers/context.ts";
import { reproductionReconciler } from "../../operator/controllers/reproduction-controller.ts";
import { JOB_TYPE, KIND_TYPES, kindType, POD_TYPE } from "../../operator/controllers/resource-types.ts";
import { stageResourceReconciler } from "../../operator/controllers/stage-resource-controller.ts";
import { wireWatches } from "../../operator/controllers/watches.ts";
import { type KubeObject, resourcePath } from "../../operator/kube/client.ts";
import type { Reconcile } from "../../operator/kube/controller.ts";
import { EventRecorder } from "../../operator/kube/events.ts";
import { createOperatorMetrics } from "../../operator/kube/metrics.ts";
import { createLogger } from "../../operator/log/logger.ts";
import { STAGE_KINDS } from "../../operator/pipeline/registry.ts";
import { InMemoryApi } from "./in-memory-api.ts";
import { compactResultMessage } from "./operator-builders.ts";
import { parseConfigForTest } from "./operator-config.ts";

export const NAMESPACE = "ns";
/** A reconcile loop that has not come to rest after this many rounds is a hot loop. */
const MAX_ROUNDS = 50;

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
}

type EventObject = KubeObject & {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { kind?: string; name?: string };
};

/** An Event as `kubectl describe` lists it: "Normal StageStarted Kind/name: message", " (x2)" when repeated. */
const eventLine = (e: EventObject) =>
  `${e.type} ${e.reason} ${e.involvedObject?.kind}/${e.involvedObject?.name}: ${e.message}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ""}`;

export class InMemoryOperator {
  private time = Date.parse("2026-01-01T00:00:00Z");
  readonly api: InMemoryApi;
  private readonly context: ControllerContext;
  private readonly reconcilers = new Map<string, Reconcile>();
  private readonly queued = new Map<string, { kind: string; key: string }>();
  private readonly stopping = new AbortController();
  private informers: Promise<void> = Promise.resolve();

  constructor(configOverrides: Record<string, unknown> = {}) {
    const now = () => new Date(this.time);
    const collections = [...KIND_TYPES.values()].map((t) => `${t.group}/${t.version}/${t.plural}`);
    this.api = new InMemoryApi(now, collections);
    const log = createLogger("silent");
    // Pod logs are not read: a stage's progress words are the pod-progress tests' business. The
    // input preflight's Job is its own tests' (reconcile-preflight.test.ts), which turn it on.
    const operator = { inputPreflight: false, ...(configOverrides.operator as object | undefined), progressSeconds: 0 };
    const config = parseConfigForTest({ ...configOverrides, operator });
    this.context = {
      client: this.api,
      caches: new Caches(this.api, undefined, log),
      config,
      events: new EventRecorder(this.api, "mammoflow-operator", "in-memory", log, now),
      metrics: createOperatorMetrics(),
      log,
      now,
    };
    this.reconcilers.set("Reproduction", reproductionReconciler(this.context));
    for (const kind of STAGE_KINDS) this.reconcilers.set(kind, stageResourceReconciler(this.context, kind));
    wireWatches(this.context.caches, (kind, key) => this.queued.set(`${kind} ${key}`, { kind, key }));
  }

  async start(): Promise<this> {
    this.informers = this.context.caches.run(this.stopping.signal);
    await this.context.caches.waitForSync();
    return this;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.informers;
  }

  /** Moves the clock on (Job start and finish times, status transition times). */
  advance(seconds: number): void {
    this.time += seconds * 1000;
  }

  /**
   * Runs the operator until it rests: watch events reach the caches, the reconciles they queue
   * run (in the order queued), the garbage collector ends Foreground deletions; again until no
   * event is left. `finishDeletions: false` leaves them being deleted (a Job's pods going, a
   * finalizer). Returns the writes the operator made meanwhile ("PATCH /apis/…/status"),
   * Events apart (their requests run in the background, in no fixed order: see `events`).
   */
  async settle(options: { finishDeletions?: boolean } = {}): Promise<string[]> {
    const from = this.api.writes.length;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      await this.context.events.flush();
      const delivered = this.api.deliver();
      if (this.queued.size === 0) {
        if ((options.finishDeletions !== false && this.api.finishDeletions() > 0) || delivered) continue;
        return this.api.writes.slice(from).filter((w) => !w.includes("/events"));
      }
      const batch = [...this.queued.values()];
      this.queued.clear();
      for (const { kind, key } of batch) await this.reconcilers.get(kind)?.(key);
    }
    throw new Error(
      `the operator did not come to rest in ${MAX_ROUNDS} rounds; still queued: ${[...this.queued.keys()]}`,
    );
  }

  /**
   * One reconcile of the resource now, on what the caches show, delivering no watch event first:
   * a reconcile that comes before the cache has caught up with the operator's own writes.
   */
  async reconcileNow(kind: string, name: string): Promise<void> {
    await this.reconcilers.get(kind)?.(`${NAMESPACE}/${name}`);
    await this.context.events.flush();
  }

  /** What a user's `kubectl apply --server-side` of the manifest does. */
  async apply(manifest: Manifest): Promise<void> {
    const path = resourcePath(kindType(manifest.kind), NAMESPACE, manifest.metadata.name);
    await this.api.apply(path, { apiVersion: API_GROUP_VERSION, ...manifest }, "kubectl");
  }

  /** A resource as the API server holds it now. */
  async resource(kind: string, name: string): Promise<KubeObject> {
    return this.api.get<KubeObject>(resourcePath(kindType(kind), NAMESPACE, name));
  }

  /** The stage Jobs in the namespace, oldest first. */
  jobs(): JobObject[] {
    return this.api.stored("batch/v1/jobs", NAMESPACE) as JobObject[];
  }

  /** The names of the objects of a collection ("/v1/configmaps", "mammoflow.io/v1alpha1/submissions"). */
  names(collection: string): string[] {
    return this.api.stored(collection, NAMESPACE).map((o) => o.metadata.name);
  }

  /** The Events recorded so far, as lines, oldest first; only those of the given reasons if any are given. */
  events(...reasons: string[]): string[] {
    return (this.api.stored("/v1/events", NAMESPACE) as EventObject[])
      .filter((e) => reasons.length === 0 || reasons.includes(e.reason ?? ""))
      .map(eventLine);
  }

  private async jobStatus(name: string, status: Record<string, unknown>): Promise<void> {
    await this.api.mergePatch(`${resourcePath(JOB_TYPE, NAMESPACE, name)}/status`, { status });
  }

  /** The Job controller started the Job's pod. */
  async jobRuns(name: string): Promise<void> {
    await this.jobStatus(name, { active: 1, startTime: new Date(this.time).toISOString() });
  }

  /**
   * The Job's pod ended with `exitCode` and the stage's compact result as its termination
   * message, and the Job controller marked the Job Complete (exit 0) or Failed (any other).
   */
  async jobEnds(name: string, exitCode: number, result: Parameters<typeof compactResultMessage>[0]): Promise<void> {
    const job = await this.api.get<JobObject>(resourcePath(JOB_TYPE, NAMESPACE, name));
    const at = new Date(this.time).toISOString();
    const podPath = resourcePath(POD_TYPE, NAMESPACE);
    const pod = await this.api.create<KubeObject>(podPath, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${name}-pod-${exitCode}`,
        labels: job.spec?.template.metadata?.labels ?? {},
        ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name, uid: job.metadata.uid, controller: true }],
      },
    });
    const terminated = { exitCode, message: compactResultMessage(result), finishedAt: at };
    await this.api.mergePatch(`${podPath}/${pod.metadata.name}/status`, {
      status: {
        phase: exitCode === 0 ? "Succeeded" : "Failed",
        containerStatuses: [{ name: "stage", ready: false, restartCount: 0, state: { terminated } }],
      },
    });
    const condition =
      exitCode === 0
        ? { type: "Complete", status: "True", reason: "CompletionsReached", message: "", lastTransitionTime: at }
        : {
            type: "Failed",
            status: "True",
            reason: "BackoffLimitExceeded",
            message: "Job has reached the specified backoff limit",
            lastTransitionTime: at,
          };
    await this.jobStatus(name, {
      active: 0,
      ...(exitCode === 0 ? { succeeded: 1, completionTime: at } : { failed: 1 }),
      conditions: [condition],
    });
  }
}

/** The collection of a mammoflow kind, for `names`. */
export const kindCollection = (kind: string) => `${API_GROUP}/${API_VERSION}/${kindType(kind).plural}`;

export async function startInMemoryOperator(configOverrides: Record<string, unknown> = {}): Promise<InMemoryOperator> {
  return new InMemoryOperator(configOverrides).start();
}
