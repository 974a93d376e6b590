import type { V1Pod } from "@kubernetes/client-node";
import { lastProgress, type StageProgress } from "../../jobs/contract/progress.ts";
import { podsWithRunningStage, stageProgressText } from "../executors/kubernetes/pod-progress.ts";

/** Reads the end of a pod's log (GET pods/NAME/log with PROGRESS_LOG_QUERY). */
export type PodLogReader = (namespace: string, pod: string) => Promise<string>;

interface PodEntry {
  event?: StageProgress;
  readAt: number;
  reading: boolean;
  /** Whether the last read got an answer (the node serves the pod's log). */
  answered: boolean;
  seenAt: number;
}

/**
 * The latest progress event of each running stage pod, read from its log at most once per
 * interval. A reconcile never waits for a read: it gets the words of the events read so far and
 * starts the reads that are due, which finish in the background (a node that does not answer
 * delays nothing). So the progress in a status changes at most once per interval per resource,
 * and with it the status writes it causes; at most `maxReads` reads are in flight at once, so
 * thousands of running stages cost a bounded trickle of GETs, not a burst.
 */
export class StagePodProgress {
  private readonly pods = new Map<string, PodEntry>();
  private readonly pending = new Set<Promise<void>>();
  private prunedAt: number;

  constructor(
    private readonly read: PodLogReader,
    readonly intervalMs: number,
    private readonly now: () => number,
    private readonly maxReads = 4,
  ) {
    this.prunedAt = now();
  }

  /**
   * The progress words of a stage from its pods (undefined before any event was read), and
   * whether to look again in an interval: while a running pod's log can be read (a stage may
   * load its models for a while before its first event). A pod whose node does not answer is
   * not polled; a later reconcile (its Job, its pods, the resync) tries it again.
   */
  progressOf(pods: readonly V1Pod[]): { words?: string; watch: boolean } {
    const now = this.now();
    const events: StageProgress[] = [];
    let watch = false;
    for (const pod of podsWithRunningStage(pods)) {
      const namespace = pod.metadata?.namespace ?? "";
      const name = pod.metadata?.name ?? "";
      const key = pod.metadata?.uid ?? `${namespace}/${name}`;
      let entry = this.pods.get(key);
      if (!entry) {
        entry = { readAt: Number.NEGATIVE_INFINITY, reading: false, answered: true, seenAt: now };
        this.pods.set(key, entry);
      }
      entry.seenAt = now;
      if (!entry.reading && now - entry.readAt >= this.intervalMs && this.pending.size < this.maxReads) {
        this.start(entry, namespace, name, now);
      }
      if (entry.event) events.push(entry.event);
      if (entry.answered || entry.reading) watch = true;
    }
    this.prune(now);
    const words = stageProgressText(events.sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0)));
    return { ...(words ? { words } : {}), watch };
  }

  /** Resolves when the reads in flight have finished (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private start(entry: PodEntry, namespace: string, name: string, now: number): void {
    entry.reading = true;
    entry.readAt = now;
    const read = this.read(namespace, name)
      .then(
        (text) => {
          // A tail without an event (a long validation, other lines) keeps the last one read.
          entry.event = lastProgress(text) ?? entry.event;
          entry.answered = true;
        },
        () => {
          // Unreachable node, pod gone, no permission: no progress now, and no polling.
          entry.answered = false;
        },
      )
      .finally(() => {
        entry.reading = false;
        this.pending.delete(read);
      });
    this.pending.add(read);
  }

  /** Forgets pods not seen for ten intervals (finished, deleted), once per interval. */
  private prune(now: number): void {
    if (now - this.prunedAt < this.intervalMs) return;
    this.prunedAt = now;
    for (const [key, entry] of this.pods) {
      if (now - entry.seenAt > 10 * this.intervalMs && !entry.reading) this.pods.delete(key);
    }
  }
}
