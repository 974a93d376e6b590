import type { Logger } from "../log/logger.ts";
import { withoutBookkeeping } from "./cache-transforms.ts";
import { KubeApiError, type KubeClient, type KubeObject, type WatchEvent } from "./client.ts";

export type ChangeType = "add" | "update" | "delete";
export type ChangeHandler<T extends KubeObject> = (object: T, change: ChangeType) => void;

export interface InformerOptions<T extends KubeObject = KubeObject> {
  /** Collection path, e.g. /apis/batch/v1/jobs or /api/v1/namespaces/ns/pods. */
  path: string;
  labelSelector?: string;
  /** Name in logs and metrics. */
  name: string;
  /** Server-side watch timeout; the stream then restarts from the last resource version. */
  watchTimeoutSeconds?: number;
  /** Delays after a broken watch (doubling from first to max). */
  retryDelayMs?: { first: number; max: number };
  /** Resume watching from this resource version instead of listing first (re-lists if expired; not synced before a list). */
  resumeFrom?: string;
  /**
   * What to keep of each object (cache-transforms.ts); applied before caching and before the
   * handlers see it. Defaults to dropping server-side bookkeeping (managedFields).
   */
  transform?: (object: T) => T;
}

export const objectKey = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.metadata.name}`;

class ResourceExpired extends Error {}

/**
 * List + watch into a cache, forever: re-lists when the resource version expired (410 Gone,
 * as an HTTP status or an ERROR event), and restarts the watch with a growing delay after any
 * other error (client-node's ListWatch stops on those). Handlers see adds, updates and deletes,
 * including the differences a re-list finds.
 */
export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly keep: (object: T) => T;
  private readonly handlers: ChangeHandler<T>[] = [];
  private resourceVersion: string | undefined;
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];
  /** Number of full lists (the first one included); tests and metrics read it. */
  relists = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly options: InformerOptions<T>,
    private readonly log: Logger,
  ) {
    this.resourceVersion = options.resumeFrom;
    this.keep = options.transform ?? withoutBookkeeping;
  }

  onChange(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  list(namespace?: string): T[] {
    const all = [...this.cache.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  get hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  private emit(object: T, change: ChangeType): void {
    for (const handler of this.handlers) handler(object, change);
  }

  private async relist(): Promise<void> {
    const list = await this.client.list<T>(this.options.path, { labelSelector: this.options.labelSelector });
    this.relists += 1;
    const seen = new Set<string>();
    for (const listed of list.items) {
      const item = this.keep(listed);
      const key = objectKey(item);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, item);
      if (!old) this.emit(item, "add");
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.emit(item, "update");
    }
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.emit(old, "delete");
      }
    }
    this.resourceVersion = list.metadata.resourceVersion;
    this.markSynced();
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private apply(event: WatchEvent<T>): void {
    if (event.type === "ERROR") {
      const status = event.object as unknown as { code?: number; message?: string };
      if (status.code === 410) throw new ResourceExpired(status.message ?? "resource version expired");
      throw new Error(`watch ${this.options.name}: ${status.message ?? "error event"}`);
    }
    this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
    if (event.type === "BOOKMARK") return;
    const object = this.keep(event.object);
    const key = objectKey(object);
    if (event.type === "DELETED") {
      this.cache.delete(key);
      this.emit(object, "delete");
    } else {
      const existed = this.cache.has(key);
      this.cache.set(key, object);
      this.emit(object, existed ? "update" : "add");
    }
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { first, max } = this.options.retryDelayMs ?? { first: 500, max: 30_000 };
    let delay = first;
    while (!signal.aborted) {
      try {
        if (this.resourceVersion === undefined) await this.relist();
        let streamError: unknown;
        const watchAbort = new AbortController();
        const stop = () => watchAbort.abort();
        signal.addEventListener("abort", stop, { once: true });
        try {
          await this.client.watch<T>(
            this.options.path,
            {
              labelSelector: this.options.labelSelector,
              resourceVersion: this.resourceVersion,
              allowWatchBookmarks: true,
              timeoutSeconds: this.options.watchTimeoutSeconds ?? 300,
            },
            (event) => {
              if (streamError) return;
              try {
                this.apply(event);
                delay = first;
              } catch (error) {
                streamError = error;
                watchAbort.abort();
              }
            },
            watchAbort.signal,
          );
        } finally {
          signal.removeEventListener("abort", stop);
        }
        if (streamError) throw streamError;
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ResourceExpired || (error instanceof KubeApiError && error.statusCode === 410)) {
          this.log.info({ informer: this.options.name }, "resource version expired; re-listing");
          this.resourceVersion = undefined;
          continue;
        }
        this.log.warn({ informer: this.options.name, err: (error as Error).message, delayMs: delay }, "watch failed");
        await sleep(delay, signal);
        delay = Math.min(delay * 2, max);
        // After an error the cache may have missed events that a plain re-watch would replay
        // only if the version is still retained; re-listing is always correct.
        this.resourceVersion = undefined;
      }
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
