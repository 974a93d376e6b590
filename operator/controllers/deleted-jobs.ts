/**
 * Jobs this replica deleted that its informer may still show (client-go's deletion
 * expectations, by uid): a Job deleted for a retry, a recheck or a new request must not be
 * observed as the stage's outcome again while the cache catches up. An entry lapses after `ttlMs`; a restarted operator
 * lists afresh and never sees the deleted Job.
 */
export class DeletedJobs {
  private readonly deleted = new Map<string, number>();
  constructor(
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  deleting(uid: string): void {
    this.deleted.set(uid, this.now());
  }

  has(uid: string | undefined): boolean {
    if (uid === undefined) return false;
    const at = this.deleted.get(uid);
    if (at === undefined) return false;
    if (this.now() - at > this.ttlMs) {
      this.deleted.delete(uid);
      return false;
    }
    return true;
  }
}
