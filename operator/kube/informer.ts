import type { Logger } from "../log/logger.ts";
import { withoutBookkeeping } from "./cache-transforms.ts";
import { KubeApiError, type KubeClient, type KubeObject, type WatchEvent } from "./client.ts";
import { sharedStrings } from "./string-interning.ts";

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
   * handlers see it. Defaults to dropping server-side bookkeeping (managedFields). What it keeps
   * then shares its short strings with every other cached object (string-interning.ts).
   */
  transform?: (object: T) => T;
  /** Objects per page of a full list (`limit`, then `continue`), so no answer holds them all. */
  pageSize?: number;
}

/** The values an object is filed under in an index (e.g. the uids of its owners). */
export type IndexFunction<T> = (object: T) => readonly string[];

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
  /** The cache again, by namespace: a namespace's objects without a pass over all of them. */
  private readonly byNamespace = new Map<string, Map<string, T>>();
  private readonly indexes = new Map<string, { of: IndexFunction<T>; entries: Map<string, Map<string, T>> }>();
  private readonly keep: (object: T) => T;
  private readonly transform: (object: T) => T;
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
    const transform = options.transform ?? withoutBookkeeping;
    this.transform = transform;
    this.keep = (object) => sharedStrings.internAll(transform(object));
  }

  onChange(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  get(namespace: string, name: string): T | undefined {
    return this.cache.get(`${namespace}/${name}`);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.cache.values()];
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  /** Files every object (those cached and those to come) under the values `of` gives (client-go's indexers). */
  addIndex(name: string, of: IndexFunction<T>): void {
    const entries = new Map<string, Map<string, T>>();
    this.indexes.set(name, { of, entries });
    for (const [key, object] of this.cache) fileUnder(entries, of(object), key, object);
  }

  /** The objects an index files under `value`. */
  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`informer ${this.options.name}: no index ${name}`);
    return [...(index.entries.get(value)?.values() ?? [])];
  }

  /** Caches an object; one it replaces keeps its place in every listing (Map order). */
  private store(key: string, object: T): T | undefined {
    const old = this.cache.get(key);
    this.cache.set(key, object);
    fileUnder(this.byNamespace, [object.metadata.namespace ?? ""], key, object);
    for (const { of, entries } of this.indexes.values()) {
      const values = of(object);
      if (old)
        unfile(
          entries,
          of(old).filter((v) => !values.includes(v)),
          key,
        );
      fileUnder(entries, values, key, object);
    }
    return old;
  }

  private unstore(key: string, old: T): void {
    this.cache.delete(key);
    unfile(this.byNamespace, [old.metadata.namespace ?? ""], key);
    for (const { of, entries } of this.indexes.values()) unfile(entries, of(old), key);
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

  /**
   * One consistent list, page by page (each page is transformed and dropped before the next
   * arrives). A continue token that expired mid-way (410) lists again in one piece, as client-go's
   * pager does.
   */
  private async listAll(): Promise<{ items: T[]; resourceVersion: string }> {
    const { path, labelSelector, pageSize = 500 } = this.options;
    const items: T[] = [];
    let next: string | undefined;
    try {
      do {
        const page = await this.client.list<T>(path, { labelSelector, limit: pageSize, continue: next });
        for (const listed of page.items) items.push(this.keep(listed));
        next = page.metadata.continue || undefined;
        if (!next) return { items, resourceVersion: page.metadata.resourceVersion };
      } while (next);
    } catch (error) {
      if (!(next && error instanceof KubeApiError && error.statusCode === 410)) throw error;
    }
    const whole = await this.client.list<T>(path, { labelSelector });
    return { items: whole.items.map((listed) => this.keep(listed)), resourceVersion: whole.metadata.resourceVersion };
  }

  private async relist(): Promise<void> {
    const list = await this.listAll();
    this.relists += 1;
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = objectKey(item);
      seen.add(key);
      const old = this.store(key, item);
      if (!old) this.emit(item, "add");
      else if (old.metadata.resourceVersion !== item.metadata.resourceVersion) this.emit(item, "update");
    }
    for (const [key, old] of this.cache) {
      if (!seen.has(key)) {
        this.unstore(key, old);
        this.emit(old, "delete");
      }
    }
    this.resourceVersion = list.resourceVersion;
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
    // A deleted object is only shown to the handlers, never cached: its strings are not worth
    // a place in the shared table (they would evict strings cached objects still share).
    const object = event.type === "DELETED" ? this.transform(event.object) : this.keep(event.object);
    const key = objectKey(object);
    if (event.type === "DELETED") {
      const old = this.cache.get(key);
      if (old) this.unstore(key, old);
      this.emit(object, "delete");
    } else {
      const old = this.store(key, object);
      this.emit(object, old ? "update" : "add");
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
        // The watch resumes from the last version it applied: the server replays what came
        // after it while it still holds that version, and answers 410 (a re-list) once it does
        // not. A re-list of 10,000 objects after every broken connection is what this saves.
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

function fileUnder<T>(index: Map<string, Map<string, T>>, values: readonly string[], key: string, object: T): void {
  for (const value of values) {
    let bucket = index.get(value);
    if (!bucket) {
      bucket = new Map();
      index.set(value, bucket);
    }
    bucket.set(key, object);
  }
}

function unfile<T>(index: Map<string, Map<string, T>>, values: readonly string[], key: string): void {
  for (const value of values) {
    const bucket = index.get(value);
    bucket?.delete(key);
    if (bucket?.size === 0) index.delete(value);
  }
}
