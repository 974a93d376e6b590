// Decides what becomes of an Event before it is sent, as client-go's EventCorrelator does, so a
// resource that fails the same way every resync does not flood etcd with Events:
//  - spam filter: per source and object, a token bucket (burst 25, one token per 5 minutes);
//  - aggregation: once 10 events with the same source, object, type and reason but different
//    messages arrived within 10 minutes, further ones fold into one Event whose message says
//    "(combined from similar events): <latest message>";
//  - deduplication: an Event equal to one already sent (same key and message) patches that
//    Event's count and lastTimestamp instead of creating another.
// Pure: the caller passes the time and acts on the decision (kube/events.ts).
import { Lru } from "./lru.ts";

export interface EventFacts {
  /** The involved object: kind, namespace, name, uid. */
  object: { kind?: string; namespace: string; name: string; uid?: string };
  type: string;
  reason: string;
  message: string;
}

export type EventDecision =
  /** Create a new Event; `key` names it for later patches (remember its name under that key). */
  | { action: "create"; key: string; message: string }
  /** Patch the Event created earlier under `key`: its count and lastTimestamp (and message). */
  | { action: "patch"; key: string; message: string; count: number }
  | { action: "drop" };

const SPAM_BURST = 25;
const SPAM_REFILL_MS = 5 * 60_000;
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_WINDOW_MS = 10 * 60_000;
/** client-go's maxLruCacheEntries: memory stays bounded however many objects emit events. */
export const MAX_ENTRIES = 4096;
export const COMBINED_PREFIX = "(combined from similar events): ";

export class EventCorrelator {
  private readonly buckets = new Lru<{ tokens: number; at: number }>(MAX_ENTRIES);
  private readonly similar = new Lru<{ messages: Set<string>; since: number }>(MAX_ENTRIES);
  private readonly sent = new Lru<{ count: number }>(MAX_ENTRIES);

  constructor(private readonly source: string) {}

  decide(event: EventFacts, now: number): EventDecision {
    const { kind = "", namespace, name, uid = "" } = event.object;
    const objectKey = [this.source, kind, namespace, name, uid].join("\u0000");
    if (!this.takeToken(objectKey, now)) return { action: "drop" };

    const aggregateKey = [objectKey, event.type, event.reason].join("\u0000");
    let seen = this.similar.get(aggregateKey);
    if (!seen || now - seen.since > AGGREGATE_WINDOW_MS) seen = { messages: new Set(), since: now };
    seen.messages.add(event.message);
    this.similar.set(aggregateKey, seen);
    const aggregated = seen.messages.size >= AGGREGATE_MAX_EVENTS;
    const message = aggregated ? `${COMBINED_PREFIX}${event.message}` : event.message;
    const key = aggregated ? aggregateKey : [aggregateKey, event.message].join("\u0000");

    const previous = this.sent.get(key);
    const count = (previous?.count ?? 0) + 1;
    this.sent.set(key, { count });
    return previous ? { action: "patch", key, message, count } : { action: "create", key, message };
  }

  /** Forgets a key whose Event could not be created or patched, so that the next one creates it. */
  forget(key: string): void {
    this.sent.delete(key);
  }

  private takeToken(objectKey: string, now: number): boolean {
    const bucket = this.buckets.get(objectKey) ?? { tokens: SPAM_BURST, at: now };
    const earned = Math.floor((now - bucket.at) / SPAM_REFILL_MS);
    let tokens = bucket.tokens + earned;
    let at = bucket.at + earned * SPAM_REFILL_MS;
    // A full bucket earns nothing while it waits.
    if (tokens >= SPAM_BURST) {
      tokens = SPAM_BURST;
      at = now;
    }
    const allowed = tokens >= 1;
    this.buckets.set(objectKey, { tokens: allowed ? tokens - 1 : tokens, at });
    return allowed;
  }
}
