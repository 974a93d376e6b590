import type { Logger } from "../log/logger.ts";
import type { KubeClient, KubeObject } from "./client.ts";

export type EventType = "Normal" | "Warning";

/**
 * Records core/v1 Events on resources (`kubectl describe` shows them). Recording does not hold
 * up a reconcile: `record` returns at once and the request runs in the background (best effort,
 * like client-go's broadcaster); `flush` waits for the ones in flight (graceful shutdown).
 */
export class EventRecorder {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly instance: string,
    private readonly log: Logger,
  ) {}

  record(object: KubeObject, type: EventType, reason: string, message: string): void {
    const sending = this.send(object, type, reason, message);
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  async flush(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  private async send(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = object.metadata.namespace ?? "default";
    const now = new Date().toISOString();
    try {
      await this.client.create(`/api/v1/namespaces/${namespace}/events`, {
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
        // The API limits an event message to 1 KiB.
        message: message.slice(0, 1024),
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.instance,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      });
    } catch (error) {
      // Events are best effort: a lost event must not fail a reconcile.
      this.log.warn({ err: (error as Error).message, reason }, "could not record an event");
    }
  }
}
