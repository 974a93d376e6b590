import type { IncomingMessage } from "node:http";
import https from "node:https";
import { type Connection, loadConnection } from "./kubeconfig.ts";

/** A Kubernetes object as the API returns it; kinds are validated where they are used. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
  };
  spec?: unknown;
  status?: unknown;
}

export interface KubeList<T> {
  metadata: { resourceVersion: string; continue?: string };
  items: T[];
}

export interface WatchEvent<T> {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: T;
}

/** An API error with the server's status code, reason and message. */
export class KubeApiError extends Error {
  override name = "KubeApiError";
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where a resource lives in the REST API. */
export interface ResourceType {
  group: string; // "" for the core group
  version: string;
  plural: string;
  namespaced: boolean;
}

export function resourcePath(type: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  const base = type.group === "" ? `/api/${type.version}` : `/apis/${type.group}/${type.version}`;
  const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  const tail = name ? `/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ""}` : "";
  return `${base}${ns}/${type.plural}${tail}`;
}

type Query = Record<string, string | number | boolean | undefined>;

/**
 * The resource (and subresource) a request path names: "jobs", "roidetectortrainings/status",
 * "pods/log" (for counting requests, not routing them).
 */
export function resourceOfPath(path: string): string {
  const parts = (path.split("?")[0] ?? "").split("/").filter((p) => p !== "");
  const rest = parts[0] === "api" ? parts.slice(2) : parts.slice(3);
  const named = rest[0] === "namespaces" && rest.length > 2 ? rest.slice(2) : rest;
  return named.length > 2 ? `${named[0]}/${named[2]}` : (named[0] ?? "");
}

/** A request that changes something (any method but GET), as `beforeWrite` sees it. */
export interface Write {
  method: string;
  path: string;
  /** False only for the Lease's own requests, which decide whether this replica leads. */
  fenced: boolean;
}

/** Calls `done` with a response's whole body, as UTF-8 text, and its status once it has ended. */
function onBody(
  res: IncomingMessage,
  reject: (error: Error) => void,
  done: (text: string, status: number) => void,
): void {
  const chunks: Buffer[] = [];
  res.on("data", (c: Buffer) => chunks.push(c));
  res.on("error", reject);
  res.on("end", () => done(Buffer.concat(chunks).toString("utf8"), res.statusCode ?? 0));
}

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * A small REST client on node:https with the kubeconfig's credentials. It counts requests per
 * verb (the operator's metrics and the benchmark's "requests per state change" read them).
 */
export class KubeClient {
  readonly requestCounts = new Map<string, number>();
  /** The same per verb and resource ("patch", "roidetectortrainings/status"): writes of Events and the Lease apart from the rest. */
  readonly requestCountsByResource = new Map<string, { verb: string; resource: string; count: number }>();
  /**
   * Called synchronously when a write's bytes are about to leave (its connection is ready);
   * throwing refuses it. A leader sets it so that nothing it writes leaves after its Lease
   * deadline, whatever callback runs first when a paused process resumes.
   */
  beforeWrite: ((write: Write) => void) | undefined;
  /**
   * Called with each request's method and seconds from its call to its answer (queueing for a
   * connection included; watches and log reads apart): how long a reconcile's writes keep it.
   */
  onAnswered: ((method: string, seconds: number) => void) | undefined;
  private readonly server: URL;

  constructor(private readonly connection: Connection) {
    this.server = connection.server;
  }

  /** The client of a kubeconfig file (else $KUBECONFIG, ~/.kube/config, the pod's service account). */
  static fromFile(file?: string): KubeClient {
    return new KubeClient(loadConnection(file));
  }

  /** The user name of the kubeconfig's current context (for messages). */
  get user(): string {
    return this.connection.user || "unknown";
  }

  private count(verb: string, path: string): void {
    this.requestCounts.set(verb, (this.requestCounts.get(verb) ?? 0) + 1);
    const resource = resourceOfPath(path);
    const key = `${verb} ${resource}`;
    const entry = this.requestCountsByResource.get(key);
    if (entry) entry.count += 1;
    else this.requestCountsByResource.set(key, { verb, resource, count: 1 });
  }

  private async open(method: string, path: string, headers: Record<string, string>, timeoutMs: number) {
    const options: https.RequestOptions = {
      method,
      // URL keeps an IPv6 address in brackets; the socket wants it bare.
      hostname: this.server.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: this.server.port || 443,
      path,
      headers,
      timeout: timeoutMs,
    };
    await this.connection.authorize(options);
    return options;
  }

  /**
   * One request; JSON in, JSON out; non-2xx answers become KubeApiError. `signal` aborts it (and
   * the wait for its answer) early; `fenced: false` marks a write `beforeWrite` must let through.
   */
  async request<T>(
    method: string,
    path: string,
    options: {
      body?: unknown;
      contentType?: string;
      query?: Query;
      verb?: string;
      signal?: AbortSignal;
      fenced?: boolean;
    } = {},
  ): Promise<T> {
    const { signal } = options;
    const calledAt = performance.now();
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) {
      headers["Content-Type"] = options.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(body));
    }
    const requestOptions = await this.open(method, withQuery(path, options.query), headers, 30_000);
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      this.count(options.verb ?? method.toLowerCase(), path);
      const req = https.request(requestOptions, (res) =>
        onBody(res, reject, (text, status) => {
          this.onAnswered?.(method, (performance.now() - calledAt) / 1000);
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : {};
          } catch {
            parsed = { message: text };
          }
          if (status >= 200 && status < 300) resolve(parsed as T);
          else {
            const s = parsed as { reason?: string; message?: string };
            reject(new KubeApiError(status, s.reason ?? "Unknown", s.message ?? `${method} ${path}: HTTP ${status}`));
          }
        }),
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on("error", reject);
      if (signal) {
        const abort = () => req.destroy(signal.reason);
        signal.addEventListener("abort", abort, { once: true });
        req.on("close", () => signal.removeEventListener("abort", abort));
      }
      const send = () => {
        if (body !== undefined) req.write(body);
        req.end();
      };
      const fence = method === "GET" ? undefined : this.beforeWrite;
      if (!fence) return send();
      // The fence is asked when the bytes can leave, not when the request is made: a new
      // connection takes a while (TCP, TLS), and a process paused meanwhile must not send the
      // write when it resumes.
      const write = { method, path, fenced: options.fenced ?? true };
      const sendIfAllowed = () => {
        try {
          fence(write);
        } catch (error) {
          req.destroy(error as Error);
          return;
        }
        send();
      };
      req.once("socket", (socket) => {
        if (socket.connecting) socket.once("secureConnect", sendIfAllowed);
        else sendIfAllowed();
      });
    });
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>("GET", path);
  }

  /**
   * A GET whose answer is text, not JSON: a pod's log (`pods/NAME/log`). Bounded by the query's
   * limits (tailLines, limitBytes) and by `timeoutMs`: a node that does not answer costs no more.
   */
  async text(path: string, query: Query, timeoutMs: number): Promise<string> {
    const requestOptions = await this.open("GET", withQuery(path, query), { Accept: "text/plain" }, timeoutMs);
    this.count("get", path);
    return new Promise<string>((resolve, reject) => {
      const req = https.request(requestOptions, (res) =>
        onBody(res, reject, (text, status) => {
          if (status >= 200 && status < 300) return resolve(text);
          let s: { reason?: string; message?: string } = {};
          try {
            s = JSON.parse(text);
          } catch {
            s = { message: text.slice(0, 512) };
          }
          reject(new KubeApiError(status, s.reason ?? "Unknown", s.message ?? `GET ${path}: HTTP ${status}`));
        }),
      );
      req.on("timeout", () => req.destroy(new Error(`GET ${path}: timed out`)));
      req.on("error", reject);
      req.end();
    });
  }

  list<T>(path: string, query: Query = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>("GET", path, { query, verb: "list" });
  }

  /** Creates an object in the collection `path`; `fieldManager` names who set its fields (else the user agent). */
  create<T>(path: string, body: unknown, fieldManager?: string): Promise<T> {
    return this.request<T>("POST", path, { body, ...(fieldManager ? { query: { fieldManager } } : {}) });
  }

  /** Server-side apply under one field manager, taking over fields other managers set. */
  apply<T>(path: string, body: unknown, fieldManager: string): Promise<T> {
    return this.request<T>("PATCH", path, {
      body,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager, force: true },
      verb: "apply",
    });
  }

  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.request<T>("PATCH", path, { body: patch, contentType: "application/merge-patch+json", verb: "patch" });
  }

  update<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PUT", path, { body, verb: "update" });
  }

  delete(path: string, propagationPolicy: "Background" | "Foreground" | "Orphan" = "Background"): Promise<unknown> {
    return this.request("DELETE", path, { body: { propagationPolicy } });
  }

  /**
   * Streams watch events until the server closes the stream (resolves) or it breaks (rejects).
   * `signal` ends it early (resolves).
   */
  async watch<T>(path: string, query: Query, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal) {
    this.count("watch", path);
    const requestOptions = await this.open(
      "GET",
      withQuery(path, { ...query, watch: true }),
      { Accept: "application/json" },
      0,
    );
    await new Promise<void>((resolve, reject) => {
      const req = https.request(requestOptions, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const s = (() => {
              try {
                return JSON.parse(Buffer.concat(chunks).toString("utf8")) as { reason?: string; message?: string };
              } catch {
                return {};
              }
            })();
            reject(new KubeApiError(res.statusCode ?? 0, s.reason ?? "Unknown", s.message ?? `watch ${path} failed`));
          });
          return;
        }
        let buffered = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffered += chunk;
          let newline = buffered.indexOf("\n");
          while (newline >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            if (line) onEvent(JSON.parse(line) as WatchEvent<T>);
            newline = buffered.indexOf("\n");
          }
        });
        res.on("end", () => resolve());
        res.on("error", (e) => (signal.aborted ? resolve() : reject(e)));
      });
      const abort = () => {
        req.destroy();
        resolve();
      };
      signal.addEventListener("abort", abort, { once: true });
      req.on("error", (e) => (signal.aborted ? resolve() : reject(e)));
      req.on("close", () => signal.removeEventListener("abort", abort));
      req.end();
    });
  }
}
