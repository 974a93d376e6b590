// A Kubernetes API server in memory, behind the operator's own client class: the controllers,
// informers and Event recorder run unchanged against it, in milliseconds and without a control
// plane. It keeps the semantics they rely on: resourceVersion (global, bumped only by a real
// change, Conflict on a stale update), generation (bumped by a spec change), the status
// subresource (the only way to change status), server-side apply by field manager, JSON merge
// patch, uid preconditions on delete, owner references (Background deletion takes the
// dependants at once; Foreground leaves the owner marked until `finishDeletions`), and
// list + watch from a resourceVersion. Watch events wait in a queue until `deliver`, so the
// caches lag behind the writes as they do over a network, and a test decides when they catch up.
import {
  KubeApiError,
  KubeClient,
  type KubeList,
  type KubeObject,
  type WatchEvent,
} from "../../operator/kube/client.ts";
import { mergePatch, serverSideApply, valueAt } from "./object-merging.ts";

type Query = Record<string, string | number | boolean | undefined>;

interface Address {
  /** "group/version/plural" ("/v1/pods" for the core group). */
  collection: string;
  group: string;
  plural: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

function parsePath(path: string): Address {
  const parts = (path.split("?")[0] ?? "").split("/").filter((p) => p !== "");
  const core = parts[0] === "api";
  const group = core ? "" : (parts[1] ?? "");
  const version = core ? parts[1] : parts[2];
  let rest = parts.slice(core ? 2 : 3).map(decodeURIComponent);
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural = "", name, subresource] = rest;
  return {
    collection: `${group}/${version}/${plural}`,
    group,
    plural,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

/** "a=b,c!=d,e": the equality-based selectors the operator sends. */
function matchesLabels(labels: Record<string, string> | undefined, selector: unknown): boolean {
  if (typeof selector !== "string" || selector === "") return true;
  return selector.split(",").every((term) => {
    const [key = "", value] = term.split(/!?=/);
    if (value === undefined) return labels?.[key] !== undefined;
    return term.includes("!=") ? labels?.[key] !== value : labels?.[key] === value;
  });
}

function matchesFields(object: KubeObject, selector: unknown): boolean {
  if (typeof selector !== "string" || selector === "") return true;
  return selector.split(",").every((term) => {
    const [path = "", value] = term.split("=");
    return String(valueAt(object, path) ?? "") === value;
  });
}

/** The collections the operator reads and writes; others answer 404 (e.g. Kueue not installed). */
const CORE_COLLECTIONS = ["/v1/pods", "/v1/configmaps", "/v1/events", "/v1/nodes", "batch/v1/jobs"];
/** Collections whose objects change status only through the status subresource. */
const WITHOUT_STATUS_SUBRESOURCE = new Set(["/v1/configmaps", "/v1/events"]);

interface Watcher {
  collection: string;
  namespace?: string;
  labelSelector?: unknown;
  onEvent: (event: WatchEvent<KubeObject>) => void;
  /** The last resourceVersion it saw: replays and deliveries skip what it already has. */
  seen: number;
}

interface Change {
  collection: string;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubeObject;
}

const notFound = (a: Address) =>
  new KubeApiError(404, "NotFound", `${a.plural}${a.group ? `.${a.group}` : ""} "${a.name ?? ""}" not found`);

export class InMemoryApi extends KubeClient {
  private readonly served: Set<string>;
  private readonly objects = new Map<string, { collection: string; object: KubeObject }>();
  /** What each field manager applied last, per object key (server-side apply's field ownership). */
  private readonly appliedBy = new Map<string, Map<string, unknown>>();
  private readonly history: (Change & { rv: number })[] = [];
  private readonly pending: (Change & { rv: number })[] = [];
  private readonly watchers = new Set<Watcher>();
  private version = 0;
  /** Objects created so far per collection and name: a uid says which of them an object is. */
  private readonly created = new Map<string, number>();
  private generated = 0;
  /** Every request that changed or tried to change something: "PATCH /apis/…/status", "POST /apis/…/jobs NAME". */
  readonly writes: string[] = [];

  constructor(
    private readonly clock: () => Date,
    /** The API groups' collections served beside the core ones, "group/version/plural". */
    collections: readonly string[],
  ) {
    super({ server: new URL("https://in-memory.invalid"), user: "in-memory", authorize: async () => {} });
    this.served = new Set([...CORE_COLLECTIONS, ...collections]);
  }

  private key(collection: string, namespace: string | undefined, name: string): string {
    return `${collection}|${namespace ?? ""}|${name}`;
  }

  private address(path: string): Address {
    const address = parsePath(path);
    if (!this.served.has(address.collection)) {
      throw new KubeApiError(404, "NotFound", "the server could not find the requested resource");
    }
    return address;
  }

  private record(collection: string, type: Change["type"], object: KubeObject): void {
    const rv = Number(object.metadata.resourceVersion);
    const change = { collection, type, object: structuredClone(object), rv };
    this.history.push(change);
    this.pending.push(change);
  }

  private nextVersion(): string {
    this.version += 1;
    return String(this.version);
  }

  private store(collection: string, object: KubeObject, type: "ADDED" | "MODIFIED"): KubeObject {
    object.metadata.resourceVersion = this.nextVersion();
    this.objects.set(this.key(collection, object.metadata.namespace, object.metadata.name), { collection, object });
    this.record(collection, type, object);
    return structuredClone(object);
  }

  private createObject(a: Address, body: KubeObject): KubeObject {
    const metadata = { ...body.metadata } as KubeObject["metadata"] & { generateName?: string };
    if (!metadata.name && metadata.generateName) {
      this.generated += 1;
      metadata.name = `${metadata.generateName}${this.generated.toString(36).padStart(5, "0")}`;
    }
    delete metadata.generateName;
    if (this.objects.has(this.key(a.collection, a.namespace, metadata.name))) {
      throw new KubeApiError(
        409,
        "AlreadyExists",
        `${a.plural}${a.group ? `.${a.group}` : ""} "${metadata.name}" already exists`,
      );
    }
    // "det-roidet-export-onnx.2": the second object of that name in its collection, so a test
    // reads whether an object was created again without counting every other creation.
    const key = this.key(a.collection, a.namespace, metadata.name);
    const nth = (this.created.get(key) ?? 0) + 1;
    this.created.set(key, nth);
    const object: KubeObject = {
      ...body,
      metadata: {
        ...metadata,
        ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
        uid: `${metadata.name}.${nth}`,
        generation: 1,
        creationTimestamp: this.clock().toISOString(),
      },
    };
    if (!WITHOUT_STATUS_SUBRESOURCE.has(a.collection)) delete object.status;
    return this.store(a.collection, object, "ADDED");
  }

  /** Stores `next` in place of `current` if anything changed; a spec change bumps the generation. */
  private replace(a: Address, current: KubeObject, next: KubeObject): KubeObject {
    const viaStatus = a.subresource === "status";
    const kept: KubeObject = viaStatus
      ? { ...current, status: next.status }
      : WITHOUT_STATUS_SUBRESOURCE.has(a.collection)
        ? next
        : { ...next, status: current.status };
    kept.metadata = viaStatus
      ? current.metadata
      : {
          ...next.metadata,
          name: current.metadata.name,
          ...(current.metadata.namespace !== undefined ? { namespace: current.metadata.namespace } : {}),
          uid: current.metadata.uid ?? "",
          ...(current.metadata.creationTimestamp ? { creationTimestamp: current.metadata.creationTimestamp } : {}),
          ...(current.metadata.deletionTimestamp ? { deletionTimestamp: current.metadata.deletionTimestamp } : {}),
          resourceVersion: current.metadata.resourceVersion ?? "",
          generation: current.metadata.generation ?? 1,
        };
    if (kept.status === undefined) delete kept.status;
    if (JSON.stringify(kept) === JSON.stringify(current)) return structuredClone(current);
    const { metadata: _m1, status: _s1, ...body } = kept;
    const { metadata: _m2, status: _s2, ...before } = current;
    if (JSON.stringify(body) !== JSON.stringify(before))
      kept.metadata.generation = (current.metadata.generation ?? 1) + 1;
    return this.store(a.collection, kept, "MODIFIED");
  }

  private existing(a: Address): KubeObject {
    const found = this.objects.get(this.key(a.collection, a.namespace, a.name ?? ""));
    if (!found) throw notFound(a);
    return found.object;
  }

  override async request<T>(
    method: string,
    path: string,
    options: { body?: unknown; contentType?: string; query?: Query } = {},
  ): Promise<T> {
    // What would cross the wire: undefined fields vanish, nothing is shared with the caller.
    const body = options.body === undefined ? undefined : JSON.parse(JSON.stringify(options.body));
    // A create is noted with the name it creates: its path names only the collection.
    const created = method === "POST" ? (body as KubeObject | undefined)?.metadata?.name : undefined;
    if (method !== "GET") this.writes.push(`${method} ${path}${created ? ` ${created}` : ""}`);
    const a = this.address(path);
    if (method === "GET") return (a.name === undefined ? this.listOf(a, options.query ?? {}) : this.existing(a)) as T;
    if (method === "POST") return this.createObject(a, body as KubeObject) as T;
    if (method === "DELETE") return this.deleteObject(a, body ?? {}) as T;
    const key = this.key(a.collection, a.namespace, a.name ?? "");
    if (method === "PATCH" && options.contentType === "application/apply-patch+yaml") {
      const manager = String(options.query?.fieldManager ?? "");
      const applied = this.appliedBy.get(key) ?? new Map<string, unknown>();
      const found = this.objects.get(key);
      const result = found
        ? this.replace(a, found.object, serverSideApply(found.object, applied.get(manager), body) as KubeObject)
        : this.createObject(a, body as KubeObject);
      applied.set(manager, body);
      this.appliedBy.set(key, applied);
      return result as T;
    }
    const current = this.existing(a);
    if (method === "PATCH") return this.replace(a, current, mergePatch(current, body) as KubeObject) as T;
    if (method === "PUT") {
      const expected = (body as KubeObject).metadata?.resourceVersion;
      if (expected !== undefined && expected !== current.metadata.resourceVersion) {
        throw new KubeApiError(
          409,
          "Conflict",
          `Operation cannot be fulfilled on ${a.plural} "${a.name}": the object has been modified`,
        );
      }
      return this.replace(a, current, body as KubeObject) as T;
    }
    throw new KubeApiError(405, "MethodNotAllowed", `${method} is not supported`);
  }

  private matching(collection: string, namespace: string | undefined, query: Query): KubeObject[] {
    return [...this.objects.values()]
      .filter((o) => o.collection === collection)
      .map((o) => o.object)
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .filter((o) => matchesLabels(o.metadata.labels, query.labelSelector))
      .filter((o) => matchesFields(o, query.fieldSelector));
  }

  private listOf(a: Address, query: Query): KubeList<KubeObject> {
    const items = this.matching(a.collection, a.namespace, query).map((o) => structuredClone(o));
    return { metadata: { resourceVersion: String(this.version) }, items };
  }

  private deleteObject(a: Address, options: { propagationPolicy?: string; preconditions?: { uid?: string } }) {
    const object = this.existing(a);
    const uid = options.preconditions?.uid;
    if (uid !== undefined && uid !== object.metadata.uid) {
      throw new KubeApiError(
        409,
        "Conflict",
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${object.metadata.uid}`,
      );
    }
    const policy = options.propagationPolicy ?? "Background";
    if (policy !== "Orphan") this.deleteDependants(object.metadata.uid ?? "");
    if (policy === "Foreground") {
      if (object.metadata.deletionTimestamp) return structuredClone(object);
      const marked = structuredClone(object);
      marked.metadata.deletionTimestamp = this.clock().toISOString();
      (marked.metadata as { finalizers?: string[] }).finalizers = ["foregroundDeletion"];
      return this.store(a.collection, marked, "MODIFIED");
    }
    this.remove(a.collection, object);
    return { kind: "Status", status: "Success" };
  }

  /** The garbage collector's work for a Background or Foreground delete: every dependant, at once. */
  private deleteDependants(uid: string): void {
    for (const { collection, object } of [...this.objects.values()]) {
      if (!object.metadata.ownerReferences?.some((o) => o.uid === uid)) continue;
      this.deleteDependants(object.metadata.uid ?? "");
      this.remove(collection, object);
    }
  }

  private remove(collection: string, object: KubeObject): void {
    this.objects.delete(this.key(collection, object.metadata.namespace, object.metadata.name));
    const gone = structuredClone(object);
    gone.metadata.resourceVersion = this.nextVersion();
    this.record(collection, "DELETED", gone);
  }

  /** The garbage collector ends the Foreground deletions whose dependants are gone; how many it ended. */
  finishDeletions(): number {
    let ended = 0;
    for (const { collection, object } of [...this.objects.values()]) {
      if (!object.metadata.deletionTimestamp) continue;
      this.remove(collection, object);
      ended += 1;
    }
    return ended;
  }

  override async text(path: string): Promise<string> {
    this.existing(this.address(path.replace(/\/log$/, "")));
    return "";
  }

  override async watch<T>(
    path: string,
    query: Query,
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const a = this.address(path);
    const watcher: Watcher = {
      collection: a.collection,
      ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
      labelSelector: query.labelSelector,
      onEvent: onEvent as (event: WatchEvent<KubeObject>) => void,
      seen: Number(query.resourceVersion ?? 0),
    };
    // A watch from a resourceVersion first replays what changed after it.
    for (const change of this.history) this.send(watcher, change);
    this.watchers.add(watcher);
    await new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    this.watchers.delete(watcher);
  }

  private send(watcher: Watcher, change: Change & { rv: number }): void {
    if (change.rv <= watcher.seen || change.collection !== watcher.collection) return;
    if (watcher.namespace !== undefined && change.object.metadata.namespace !== watcher.namespace) return;
    if (!matchesLabels(change.object.metadata.labels, watcher.labelSelector)) return;
    watcher.seen = change.rv;
    watcher.onEvent({ type: change.type, object: structuredClone(change.object) });
  }

  /** Hands the watch events written so far to the watchers (the informers); whether there were any. */
  deliver(): boolean {
    const changes = this.pending.splice(0);
    for (const change of changes) for (const watcher of this.watchers) this.send(watcher, change);
    return changes.length > 0;
  }

  /** The stored objects of a collection ("batch/v1/jobs") in a namespace, oldest first. */
  stored(collection: string, namespace?: string): KubeObject[] {
    return this.matching(collection, namespace, {}).map((o) => structuredClone(o));
  }
}
