// How the operator reaches the API server: the server, one keep-alive agent with the TLS
// credentials, and the headers of each request. The common kubeconfigs (a bearer token or token
// file, client certificates, a CA, in-cluster service account) are read here; a kubeconfig that
// needs more (exec plugins, auth providers, proxies, basic auth) is handed to
// @kubernetes/client-node, imported only then: the library is ~800 modules and ~70 MB of resident
// memory, and its KubeConfig builds a new agent (a new TLS handshake) for every request.
import { existsSync, readFileSync } from "node:fs";
import https from "node:https";
import { homedir } from "node:os";
import path from "node:path";
import { parse } from "yaml";

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** client-go re-reads a token file every minute (bound service account tokens rotate). */
const TOKEN_REREAD_MS = 60_000;

export interface Connection {
  server: URL;
  /** Name of the kubeconfig's user (for messages). */
  user: string;
  /** One agent for every request: connections are kept alive and reused. */
  agent?: https.Agent;
  /** Completes a request's options with the credentials (headers, and TLS for the library's path). */
  authorize: (options: https.RequestOptions) => Promise<void>;
}

interface NamedCluster {
  name: string;
  cluster?: Record<string, unknown>;
}
interface NamedUser {
  name: string;
  user?: Record<string, unknown>;
}
interface NamedContext {
  name: string;
  context?: { cluster?: string; user?: string };
}
interface KubeconfigFile {
  clusters?: NamedCluster[];
  users?: NamedUser[];
  contexts?: NamedContext[];
  "current-context"?: string;
}

/** What this reader does not handle; such a kubeconfig goes to the library. */
const LIBRARY_USER_FIELDS = ["exec", "auth-provider", "username", "password"];
const LIBRARY_CLUSTER_FIELDS = ["proxy-url"];

const str = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

/** A file's bytes or inline base64 data, file paths relative to the kubeconfig's folder. */
function fileOrData(dir: string, file: unknown, data: unknown): Buffer | undefined {
  const inline = str(data);
  if (inline) return Buffer.from(inline, "base64");
  const name = str(file);
  return name ? readFileSync(path.resolve(dir, name)) : undefined;
}

/** A token from the kubeconfig, or re-read from its file once a minute. */
function tokenSource(dir: string, token: unknown, tokenFile: unknown, now = Date.now): () => string | undefined {
  const fixed = str(token);
  if (fixed) return () => fixed;
  const file = str(tokenFile);
  if (!file) return () => undefined;
  const resolved = path.resolve(dir, file);
  let cached: { token: string; at: number } | undefined;
  return () => {
    if (!cached || now() - cached.at > TOKEN_REREAD_MS) {
      cached = { token: readFileSync(resolved, "utf8").trim(), at: now() };
    }
    return cached.token;
  };
}

function connection(
  server: string,
  user: string,
  tls: https.AgentOptions,
  token: () => string | undefined,
  impersonate?: string,
): Connection {
  const url = new URL(server);
  if (url.protocol !== "https:") throw new Error(`kubeconfig: the server ${server} is not https`);
  // LIFO: the most recently used connection goes first, so idle ones age out instead of all
  // being kept barely alive.
  const agent = new https.Agent({ keepAlive: true, scheduling: "lifo", ...tls });
  return {
    server: url,
    user,
    agent,
    authorize: async (options) => {
      options.agent = agent;
      const headers = (options.headers ?? {}) as Record<string, string>;
      const bearer = token();
      if (bearer) headers.Authorization = `Bearer ${bearer}`;
      if (impersonate) headers["Impersonate-User"] = impersonate;
      options.headers = headers;
    },
  };
}

/** The connection a kubeconfig file describes (its current context). */
export function connectionFromFile(file: string): Connection {
  // A file that cannot be read throws as it is: the command says "cannot open FILE: ..." of it.
  const text = readFileSync(file, "utf8");
  let parsed: KubeconfigFile;
  try {
    parsed = (parse(text) ?? {}) as KubeconfigFile;
  } catch (error) {
    throw new Error(`kubeconfig ${file}: ${(error as Error).message}`);
  }
  const contextName = str(parsed["current-context"]);
  if (!contextName) throw new Error(`kubeconfig ${file}: no current-context`);
  const context = parsed.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`kubeconfig ${file}: current-context ${contextName} is not among its contexts`);
  const cluster = parsed.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw new Error(`kubeconfig ${file}: context ${contextName} names no cluster of the file`);
  const server = str(cluster.server);
  if (!server) throw new Error(`kubeconfig ${file}: cluster ${context.cluster} has no server`);
  const userName = context.user ?? "";
  const user = parsed.users?.find((u) => u.name === userName)?.user ?? {};
  if (LIBRARY_USER_FIELDS.some((f) => f in user) || LIBRARY_CLUSTER_FIELDS.some((f) => f in cluster)) {
    return libraryConnection(file, server, userName);
  }
  const dir = path.dirname(path.resolve(file));
  const ca = fileOrData(dir, cluster["certificate-authority"], cluster["certificate-authority-data"]);
  const cert = fileOrData(dir, user["client-certificate"], user["client-certificate-data"]);
  const key = fileOrData(dir, user["client-key"], user["client-key-data"]);
  const servername = str(cluster["tls-server-name"]);
  const tls: https.AgentOptions = {
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(servername ? { servername } : {}),
    ...(cluster["insecure-skip-tls-verify"] === true ? { rejectUnauthorized: false } : {}),
  };
  return connection(server, userName, tls, tokenSource(dir, user.token, user["token-file"]), str(user.as));
}

/** In a pod: the API server's Service and the pod's service account token (re-read as it rotates). */
export function inClusterConnection(dir = SERVICE_ACCOUNT_DIR): Connection {
  const host = process.env.KUBERNETES_SERVICE_HOST ?? "";
  const port = process.env.KUBERNETES_SERVICE_PORT ?? "443";
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const token = tokenSource(dir, undefined, "token");
  return connection(server, "inClusterUser", { ca: readFileSync(path.join(dir, "ca.crt")) }, token);
}

/**
 * The connection of `file`, else the first file of $KUBECONFIG, else ~/.kube/config, else the
 * pod's service account (client-go's order).
 */
export function loadConnection(file?: string): Connection {
  if (file) return connectionFromFile(file);
  const fromEnv = (process.env.KUBECONFIG ?? "").split(path.delimiter).filter((f) => f !== "");
  if (fromEnv.length > 1) return libraryConnection(undefined, undefined, "");
  if (fromEnv[0]) return connectionFromFile(fromEnv[0]);
  const home = path.join(homedir(), ".kube", "config");
  if (existsSync(home)) return connectionFromFile(home);
  if (process.env.KUBERNETES_SERVICE_HOST) return inClusterConnection();
  throw new Error("no kubeconfig: give --kubeconfig, set KUBECONFIG, or run in a pod with a service account");
}

/**
 * A kubeconfig this reader leaves to @kubernetes/client-node (several merged files, exec plugins,
 * auth providers, proxies): imported on the first request, credentials applied per request.
 */
function libraryConnection(file: string | undefined, server: string | undefined, user: string): Connection {
  let loading: Promise<{ applyToHTTPSOptions: (o: https.RequestOptions) => Promise<void> }> | undefined;
  const load = async () => {
    const { KubeConfig } = await import("@kubernetes/client-node");
    const config = new KubeConfig();
    if (file) config.loadFromFile(file);
    else config.loadFromDefault();
    return config;
  };
  const resolvedServer = server ?? mergedServer();
  return {
    server: new URL(resolvedServer),
    user,
    authorize: async (options) => {
      loading ??= load();
      await (await loading).applyToHTTPSOptions(options);
    },
  };
}

/** The server of the current context of $KUBECONFIG's files merged (the first file that names it). */
function mergedServer(): string {
  const files = (process.env.KUBECONFIG ?? "").split(path.delimiter).filter((f) => f !== "");
  const parsed = files.map((f) => (parse(readFileSync(f, "utf8")) ?? {}) as KubeconfigFile);
  const contextName = parsed.map((p) => str(p["current-context"])).find((c) => c !== undefined);
  const context = parsed.flatMap((p) => p.contexts ?? []).find((c) => c.name === contextName)?.context;
  const server = str(parsed.flatMap((p) => p.clusters ?? []).find((c) => c.name === context?.cluster)?.cluster?.server);
  if (!server) throw new Error(`KUBECONFIG ${files.join(path.delimiter)}: no server for the current context`);
  return server;
}
