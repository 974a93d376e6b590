/** When a key may be processed again after its n-th consecutive failure. */
export interface RateLimiter {
  /** Delay in ms before `key` is retried; counts a failure of `key`. */
  when(key: string): number;
  forget(key: string): void;
}

/** Per-key exponential backoff: base·2^failures, capped (client-go ItemExponentialFailure). */
export class ItemExponentialBackoff implements RateLimiter {
  private readonly failures = new Map<string, number>();
  constructor(
    private readonly baseMs = 5,
    private readonly maxMs = 1_000_000,
  ) {}
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }
  forget(key: string): void {
    this.failures.delete(key);
  }
  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/** A global token bucket: `qps` tokens per second, at most `burst` saved (client-go Bucket). */
export class TokenBucket implements RateLimiter {
  private tokens: number;
  private last: number;
  constructor(
    private readonly qps = 10,
    private readonly burst = 100,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }
  when(_key: string): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.qps);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
  forget(_key: string): void {}
}

/** The longest delay of several limiters (controller-runtime's default: backoff and bucket). */
export class MaxOf implements RateLimiter {
  private readonly limiters: RateLimiter[];
  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }
  when(key: string): number {
    return Math.max(...this.limiters.map((l) => l.when(key)));
  }
  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }
}

export const defaultControllerRateLimiter = () =>
  new MaxOf(new ItemExponentialBackoff(5, 1_000_000), new TokenBucket());
