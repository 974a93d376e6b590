import type { Logger } from "../log/logger.ts";
import { KubeApiError, type KubeClient, type KubeObject } from "./client.ts";
import { EventCorrelator, type EventDecision, MAX_ENTRIES } from "./event-correlator.ts";
import { Lru } from "./lru.ts";

export type EventType = "Normal" | "Warning";

/** The API limits an event message to 1 KiB. */
const MAX_MESSAGE = 1024;

/**
 * Records core/v1 Events on resources (`kubectl describe` shows them). Recording does not hold
 * up a reconcile: `record` returns at once and the request runs in the background (best effort,
 * like client-go's broadcaster); `flush` waits for the ones in flight (graceful shutdown). What is
 * sent is what client-go's correlator would send (event-correlator.ts): repeats patch the count
 * of the Event they repeat, floods of similar ones fold into one, a spamming object is muted.
 */
export class EventRecorder {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly correlator: EventCorrelator;
  /** The name of the Event sent under each correlator key, for patching its count. */
  private readonly names = new Lru<string>(MAX_ENTRIES);
  /** The last send per key: a repeat waits for the Event it patches to exist. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly instance: string,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.correlator = new EventCorrelator(component);
  }

  record(object: KubeObject, type: EventType, reason: string, message: string): void {
    const namespace = object.metadata.namespace ?? "default";
    const involved = { kind: object.kind, namespace, name: object.metadata.name, uid: object.metadata.uid };
    const decision = this.correlator.decide({ object: involved, type, reason, message }, this.now().getTime());
    if (decision.action === "drop") {
      this.log.debug({ reason, object: `${namespace}/${object.metadata.name}` }, "event dropped by the spam filter");
      return;
    }
    const { key } = decision;
    const sending = (this.chains.get(key) ?? Promise.resolve()).then(() =>
      this.send(object, namespace, type, reason, decision),
    );
    this.chains.set(key, sending);
    this.inFlight.add(sending);
    void sending.finally(() => {
      this.inFlight.delete(sending);
      if (this.chains.get(key) === sending) this.chains.delete(key);
    });
  }

  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  private async send(
    object: KubeObject,
    namespace: string,
    type: EventType,
    reason: string,
    decision: Exclude<EventDecision, { action: "drop" }>,
  ): Promise<void> {
    const now = this.now().toISOString();
    const message = decision.message.slice(0, MAX_MESSAGE);
    const existing = decision.action === "patch" ? this.names.get(decision.key) : undefined;
    try {
      if (existing !== undefined && decision.action === "patch") {
        try {
          await this.client.mergePatch(`/api/v1/namespaces/${namespace}/events/${existing}`, {
            count: decision.count,
            lastTimestamp: now,
            message,
          });
          return;
        } catch (error) {
          // The Event expired (the API server's event TTL) or was deleted: create it again.
          if (!(error instanceof KubeApiError && error.statusCode === 404)) throw error;
        }
      }
      const created = await this.client.create<KubeObject>(`/api/v1/namespaces/${namespace}/events`, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: `${object.metadata.name}.`, namespace },
        involvedObject: {
          apiVersion: object.apiVersion,
          kind: object.kind,
          name: object.metadata.name,
          namespace,
          uid: object.metadata.uid,
        },
        type,
        reason,
        message,
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: decision.action === "patch" ? decision.count : 1,
      });
      this.names.set(decision.key, created.metadata.name);
    } catch (error) {
      // Events are best effort: a lost event must not fail a reconcile.
      this.correlator.forget(decision.key);
      this.names.delete(decision.key);
      this.log.warn({ err: (error as Error).message, reason }, "could not record an event");
    }
  }
}
