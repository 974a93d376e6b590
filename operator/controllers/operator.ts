import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { MammoflowConfig } from "../config/schema.ts";
import type { KubeClient } from "../kube/client.ts";
import { Controller } from "../kube/controller.ts";
import { EventRecorder } from "../kube/events.ts";
import { type Endpoints, serveEndpoints } from "../kube/http-endpoints.ts";
import { LeaderElector, NotLeaderError } from "../kube/leader-election.ts";
import { countByPhase, createOperatorMetrics } from "../kube/metrics.ts";
import type { Logger } from "../log/logger.ts";
import { STAGE_KINDS } from "../pipeline/registry.ts";
import { Caches } from "./caches.ts";
import type { ControllerContext } from "./context.ts";
import { watchGpuNodes } from "./gpu-nodes.ts";
import { reproductionReconciler } from "./reproduction-controller.ts";
import { stageResourceReconciler } from "./stage-resource-controller.ts";
import { wireWatches } from "./watches.ts";

export const LEASE_NAME = "mammoflow-operator";

export interface RunningOperator {
  endpoints: Endpoints;
  /** Resolves with the exit code once the operator stopped (signal, lost lease). */
  done: Promise<number>;
  stop: () => Promise<void>;
}

/**
 * The operator: informers on every replica (so a standby is warm and ready), controllers only
 * on the leader; stops gracefully (in-flight reconciles finish, the Lease is released).
 */
export async function startOperator(
  client: KubeClient,
  config: MammoflowConfig,
  log: Logger,
): Promise<RunningOperator> {
  const namespace = config.operator.namespace;
  const identity = `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  const metrics = createOperatorMetrics();
  const caches = new Caches(client, namespace, log, { nodes: config.operator.gpuCapacityCheck });
  const events = new EventRecorder(client, "mammoflow-operator", identity, log);
  const context: ControllerContext = {
    client,
    caches,
    config,
    events,
    metrics,
    log,
    now: () => new Date(),
  };
  const controllers = new Map<string, Controller>([
    ["Reproduction", new Controller("Reproduction", reproductionReconciler(context), metrics, log)],
    ...STAGE_KINDS.map((k) => [k, new Controller(k, stageResourceReconciler(context, k), metrics, log)] as const),
  ]);
  const enqueue = (kind: string, key: string) => controllers.get(kind)?.enqueue(key);
  wireWatches(caches, enqueue);
  watchGpuNodes(caches, enqueue);

  // Built first: invalid lease timings stop the operator before anything runs.
  const elector = config.operator.leaderElection
    ? new LeaderElector(
        client,
        {
          // In a pod, the Lease lives in the operator's own namespace (where its Role is).
          namespace: config.operator.leaderElectionNamespace || process.env.POD_NAMESPACE || namespace || "default",
          name: LEASE_NAME,
          identity,
          leaseDurationSeconds: config.operator.leaseDurationSeconds,
          renewDeadlineSeconds: config.operator.renewDeadlineSeconds,
          retryPeriodSeconds: config.operator.retryPeriodSeconds,
        },
        log,
      )
    : undefined;
  const stopSignal = new AbortController();
  const informers = caches.run(stopSignal.signal);
  const endpoints = await serveEndpoints(
    { live: () => true, ready: () => caches.synced },
    metrics.registry,
    { health: config.operator.healthPort, metrics: config.operator.metricsPort },
    () => {
      for (const { verb, resource, count } of client.requestCountsByResource.values())
        metrics.apiRequests.set({ verb, resource }, count);
      for (const [kind, controller] of controllers)
        metrics.queue.inProgress(kind, controller.queue.inProgressSeconds());
      metrics.resources.reset();
      for (const kind of controllers.keys()) {
        for (const [phase, count] of countByPhase(caches.kind(kind).list()))
          metrics.resources.set({ kind, phase }, count);
      }
    },
  );
  client.onAnswered = (verb, seconds) => metrics.requestDuration.observe({ verb }, seconds);
  // The fence: every write but the Lease's own is checked as its bytes are about to leave, so a
  // replica paused past its deadline writes nothing, whatever callback runs first on resume.
  client.beforeWrite = ({ method, path, fenced }) => {
    if (fenced && elector && !elector.mayAct()) {
      log.debug({ method, path }, "api write refused");
      throw new NotLeaderError(`${method} ${path}: refused, this replica does not hold the Lease`);
    }
    log.debug({ method, path }, "api write");
  };

  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    resolveDone = resolve;
  });
  let resync: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info({ identity }, "stopping");
      if (resync) clearInterval(resync);
      await Promise.all([...controllers.values()].map((c) => c.stop()));
      await events.flush();
      await elector?.release();
      metrics.leader.set({ name: LEASE_NAME }, 0);
      stopSignal.abort();
      await informers;
      await endpoints.close();
      resolveDone(0);
    })();
    return stopping;
  };
  // Lost the Lease: another replica may already lead, so stop at once (client-go's OnStoppedLeading,
  // controller-runtime's zero graceful timeout): no queue drained, no event flushed, nothing awaited.
  const abandon = () => {
    if (stopping) return;
    stopping = Promise.resolve();
    log.error({ identity }, "stopping at once: the Lease was lost");
    if (resync) clearInterval(resync);
    for (const controller of controllers.values()) controller.halt();
    metrics.leader.set({ name: LEASE_NAME }, 0);
    stopSignal.abort();
    resolveDone(1);
  };

  void (async () => {
    await caches.waitForSync();
    log.info({ identity, namespace: namespace ?? "(all)" }, "caches synced");
    if (elector && !(await elector.acquire(stopSignal.signal, abandon))) return;
    if (stopSignal.signal.aborted) return;
    metrics.leader.set({ name: LEASE_NAME }, 1);
    const enqueueAll = () => {
      for (const [kind, controller] of controllers) {
        for (const object of caches.kind(kind).list()) {
          controller.enqueue(`${object.metadata.namespace ?? ""}/${object.metadata.name}`);
        }
      }
    };
    for (const controller of controllers.values()) controller.start(config.operator.workers);
    enqueueAll();
    if (config.operator.resyncSeconds > 0) {
      resync = setInterval(enqueueAll, config.operator.resyncSeconds * 1000);
      resync.unref();
    }
    log.info({ identity }, "controllers started");
  })();

  return { endpoints, done, stop };
}
