import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.ts";

/**
 * What a work queue reports, as client-go's workqueue metrics provider sees it: the depth after
 * each change, every add, how long a key waited in the queue before a worker took it and how long
 * the worker held it, and every rate-limited retry.
 */
export interface QueueObserver {
  depth(depth: number): void;
  added(): void;
  waited(seconds: number): void;
  worked(seconds: number): void;
  retried(): void;
}

const ignoreQueue: QueueObserver = {
  depth: () => {},
  added: () => {},
  waited: () => {},
  worked: () => {},
  retried: () => {},
};

/**
 * A work queue with client-go's guarantees: a key is queued at most once however often it is
 * added; a key being processed is never handed out twice (an add during processing queues it
 * again when done); failed keys come back after a per-key backoff.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  /** Keys being processed, with when a worker took them (for work duration and stuck work). */
  private readonly processing = new Map<string, number>();
  /** When each queued key entered the queue (for the queue wait). */
  private readonly queuedAt = new Map<string, number>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private shuttingDown = false;

  constructor(
    private readonly rateLimiter: RateLimiter = defaultControllerRateLimiter(),
    private readonly observer: QueueObserver = ignoreQueue,
    private readonly now: () => number = Date.now,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    // Counted as client-go counts: an add of a key already waiting is no add.
    this.observer.added();
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.observer.waited(0);
      this.processing.set(key, this.now());
      waiter(key);
      return;
    }
    this.queue.push(key);
    this.queuedAt.set(key, this.now());
    this.observer.depth(this.queue.length);
  }

  /** Adds `key` after `ms` (keeping the earliest time when several are pending). */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = Date.now() + ms;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Re-queues a key that failed, after its backoff. */
  addRateLimited(key: string): void {
    if (!this.shuttingDown) this.observer.retried();
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Clears a key's failure history (after it succeeded). */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  /** The next key to process, or undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.observer.depth(this.queue.length);
      this.dirty.delete(key);
      const now = this.now();
      this.observer.waited((now - (this.queuedAt.get(key) ?? now)) / 1000);
      this.queuedAt.delete(key);
      this.processing.set(key, now);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key processed; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    const since = this.processing.get(key);
    if (since !== undefined) this.observer.worked((this.now() - since) / 1000);
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Seconds each key in progress has been held so far (stuck workers show here first). */
  inProgressSeconds(): number[] {
    const now = this.now();
    return [...this.processing.values()].map((since) => (now - since) / 1000);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
