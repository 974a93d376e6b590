/**
 * Jobs this replica applied that its informer has not shown yet (client-go's "expectations"):
 * a reconcile right after a start must not start the stage again, or record a second Event,
 * just because the cache is a moment behind. An expectation lapses after `ttlMs`, so a Job
 * deleted before it was ever seen is started again.
 */
export class StartExpectations {
  private readonly started = new Map<string, number>();
  constructor(
    private readonly ttlMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  expect(jobKey: string): void {
    this.started.set(jobKey, this.now());
  }

  /** The cache now shows the Job. */
  observed(jobKey: string): void {
    this.started.delete(jobKey);
  }

  isPending(jobKey: string): boolean {
    const at = this.started.get(jobKey);
    if (at === undefined) return false;
    if (this.now() - at > this.ttlMs) {
      this.started.delete(jobKey);
      return false;
    }
    return true;
  }
}
