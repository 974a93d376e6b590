/**
 * The status this replica last wrote for each object, kept until the informer shows a newer
 * version of the object. A reconcile that starts before the cache caught up with its own write
 * takes the written status as "previous", so it neither writes the same status again nor
 * records the same phase change twice.
 */
export class WrittenStatus<S> {
  private readonly written = new Map<string, { readFrom: string | undefined; status: S }>();

  /** The status to treat as current: ours if the cache still shows the version we read. */
  current(key: string, cachedVersion: string | undefined, cachedStatus: S | undefined): S | undefined {
    const mine = this.written.get(key);
    if (!mine) return cachedStatus;
    if (mine.readFrom === cachedVersion) return mine.status;
    this.written.delete(key);
    return cachedStatus;
  }

  /** Remembers that `status` was written over the object version `readFrom`. */
  remember(key: string, readFrom: string | undefined, status: S): void {
    this.written.set(key, { readFrom, status });
  }
}
