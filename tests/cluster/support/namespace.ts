// The cluster suite's one fixture: a test file's own namespace (with the storage claim), what it
// prepares there before the operator starts (nodesim behaviours, a quota, a storage folder the
// real node's pods may write, the real node alone), the operator process watching it, and the
// teardown of all of it in reverse. Tests then speak of resources by kind and name, not of the
// admin client and the namespace:
//
//   const cluster = useClusterNamespace("edits").behaviours({ default: exported }).withOperator();
//   it("…", async () => { await cluster.create("RoiDetectorTraining", "a", spec); … });
import { readFileSync } from "node:fs";
import { afterAll, beforeAll } from "vitest";
import { parseAllDocuments } from "yaml";
import { API_GROUP_VERSION } from "../../../operator/api/index.ts";
import type { KubeClient } from "../../../operator/kube/client.ts";
import {
  adminClient,
  type Behaviour,
  createNamespace,
  createResource,
  deleteNamespace,
  getResource,
  kubeconfigPath,
  listJobs,
  listPods,
  listResources,
  type Resource,
  resourceUrl,
  setBehaviour,
  storageHostPath,
} from "./cluster.ts";
import { type OperatorProcess, startOperatorProcess } from "./operator-process.ts";
import { onlyRealNode, prepareStorageFolder } from "./real-node.ts";
import { waitFor } from "./wait.ts";

/** How the operator process is started: its configuration and, by default, the admin kubeconfig. */
export interface OperatorOptions {
  config?: Record<string, unknown>;
  kubeconfig?: string;
  nodeArgs?: string[];
}

export interface PhaseWait {
  /** Also wait for status.observedGeneration to be this generation. */
  generation?: number;
  timeoutMs?: number;
}

/** One namespace of the test cluster and everything a test started in it. */
export class TestNamespace {
  readonly operators: OperatorProcess[] = [];
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private readonly afterDelete: (() => Promise<void> | void)[] = [];
  private client: KubeClient | undefined;
  private opened: string | undefined;

  /** A fresh namespace named `<prefix>-<random>` holding the claim stage pods mount. */
  static async open(prefix: string): Promise<TestNamespace> {
    const namespace = new TestNamespace();
    await namespace.openAs(prefix);
    return namespace;
  }

  protected async openAs(prefix: string): Promise<void> {
    this.opened = await createNamespace(this.admin, prefix);
  }

  /** The suite's admin client. */
  get admin(): KubeClient {
    this.client ??= adminClient();
    return this.client;
  }

  /** The namespace's name (once it exists). */
  get name(): string {
    if (!this.opened) throw new Error("the test namespace was used before it was created (in its beforeAll)");
    return this.opened;
  }

  /** Starts an operator process watching this namespace; close() stops it. */
  startOperator(options: OperatorOptions = {}): OperatorProcess {
    const operator = startOperatorProcess({ kubeconfig: kubeconfigPath(), ...options, namespace: this.name });
    this.operators.push(operator);
    return operator;
  }

  /** The operator started last. */
  get operator(): OperatorProcess {
    const last = this.operators.at(-1);
    if (!last) throw new Error(`no operator was started in namespace ${this.name}`);
    return last;
  }

  /**
   * Runs `cleanup` on close(), after the operators stopped and before the namespace is deleted,
   * or once it is deleted (its pods gone) with `afterDelete`.
   */
  onClose(cleanup: () => Promise<void> | void, { afterDelete = false } = {}): void {
    (afterDelete ? this.afterDelete : this.cleanups).push(cleanup);
  }

  /** Stops every operator, runs the cleanups in reverse, deletes the namespace and its pods. */
  async close(): Promise<void> {
    await Promise.all(this.operators.map((operator) => operator.stop()));
    for (const cleanup of this.cleanups.reverse()) await cleanup();
    if (this.opened) await deleteNamespace(this.admin, this.opened);
    for (const cleanup of this.afterDelete.reverse()) await cleanup();
  }

  /** The host folder behind the namespace's claim (real pods' storage). */
  get storage(): string {
    return storageHostPath(this.name);
  }

  /** Sets what the simulated stage containers do: the whole map, replacing the last one. */
  behave(behaviours: Record<string, Behaviour>): Promise<void> {
    return setBehaviour(this.admin, this.name, behaviours);
  }

  url(kind: string, name?: string): string {
    return resourceUrl(this.name, kind, name);
  }

  create(kind: string, name: string, spec: unknown): Promise<Resource> {
    return createResource(this.admin, this.name, kind, name, spec);
  }

  get(kind: string, name: string): Promise<Resource> {
    return getResource(this.admin, this.name, kind, name);
  }

  list(kind: string): Promise<Resource[]> {
    return listResources(this.admin, this.name, kind);
  }

  /**
   * `kubectl apply -f FILE` into this namespace: a server-side apply (field manager kubectl) of
   * each document of a manifest file.
   */
  async applyManifests(file: string): Promise<void> {
    for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
      const object = doc.toJS() as { kind: string; metadata: { name: string } };
      await this.admin.apply(
        this.url(object.kind, object.metadata.name),
        { ...object, apiVersion: API_GROUP_VERSION, metadata: { ...object.metadata, namespace: this.name } },
        "kubectl",
      );
    }
  }

  /** A merge patch of a resource (its spec, or its annotations). */
  patch(kind: string, name: string, body: unknown): Promise<unknown> {
    return this.admin.mergePatch(this.url(kind, name), body);
  }

  jobs() {
    return listJobs(this.admin, this.name);
  }

  async job(name: string) {
    return (await this.jobs()).find((j) => j.metadata.name === name);
  }

  pods() {
    return listPods(this.admin, this.name);
  }

  /** Pods of the Job with uid `jobUid` that still run or wait to run (not ended, not deleting). */
  async activePods(jobUid: string | undefined) {
    return (await this.pods()).filter(
      (p) =>
        p.metadata.ownerReferences?.some((o) => o.uid === jobUid) &&
        !p.metadata.deletionTimestamp &&
        p.status?.phase !== "Failed" &&
        p.status?.phase !== "Succeeded",
    );
  }

  /** Waits until kind/name is in one of `phases`; the timeout's error shows its last status. */
  untilPhase(kind: string, name: string, phases: string | string[], wait: PhaseWait = {}): Promise<Resource> {
    const wanted = typeof phases === "string" ? [phases] : phases;
    const generation = wait.generation === undefined ? "" : ` for generation ${wait.generation}`;
    return waitFor(
      `${kind}/${name} ${wanted.join(" or ")}${generation}`,
      async () => {
        const r = await this.get(kind, name);
        const atGeneration = wait.generation === undefined || r.status?.observedGeneration === wait.generation;
        return wanted.includes(r.status?.phase ?? "") && atGeneration ? r : undefined;
      },
      wait.timeoutMs,
      async () => (await this.get(kind, name)).status,
    );
  }

  /** Waits until kind/name has ended, Succeeded or Failed. */
  finished(kind: string, name: string, timeoutMs?: number): Promise<Resource> {
    return this.untilPhase(kind, name, ["Succeeded", "Failed"], { timeoutMs });
  }
}

type Step = (namespace: TestNamespace) => Promise<void> | void;

/**
 * The fixture a describe block declares (useClusterNamespace): a namespace whose beforeAll
 * creates it and runs the chained steps in order, and whose afterAll closes it.
 */
export class ClusterNamespace extends TestNamespace {
  private readonly steps: Step[] = [];

  constructor(prefix: string, hookTimeoutMs?: number) {
    super();
    beforeAll(async () => {
      await this.openAs(prefix);
      for (const step of this.steps) await step(this);
    }, hookTimeoutMs);
    afterAll(() => this.close());
  }

  /** Any preparation, in order with the other steps (it may register an undo with onClose). */
  setup(step: Step): this {
    this.steps.push(step);
    return this;
  }

  /** The nodesim behaviours the namespace starts with. */
  behaviours(behaviours: Record<string, Behaviour>): this {
    return this.setup((t) => t.behave(behaviours));
  }

  /** The claim's host folder made writable for the real node's pods, removed once they are gone. */
  storageFolder(): this {
    return this.setup((t) => t.onClose(prepareStorageFolder(t.name), { afterDelete: true }));
  }

  /** Every new pod goes to the real node (simulated nodes cordoned) until the end. */
  onlyRealNode(): this {
    return this.setup(async (t) => t.onClose(await onlyRealNode(t.admin)));
  }

  /** An operator process watching the namespace, started once the steps before it ran. */
  withOperator(options: OperatorOptions | ((namespace: TestNamespace) => OperatorOptions) = {}): this {
    return this.setup((t) => {
      t.startOperator(typeof options === "function" ? options(t) : options);
    });
  }
}

/**
 * Declares the namespace fixture of the enclosing describe block; `hookTimeoutMs` bounds its
 * beforeAll (steps that build or copy data need longer than the suite's default).
 */
export const useClusterNamespace = (prefix: string, hookTimeoutMs?: number) =>
  new ClusterNamespace(prefix, hookTimeoutMs);

/**
 * For tests that open namespaces as they go (one per test, each with its own operators):
 * every namespace opened through it is closed in the describe block's afterAll.
 */
export function useClusterNamespaces(): { open: (prefix: string) => Promise<TestNamespace> } {
  const opened: TestNamespace[] = [];
  afterAll(async () => {
    for (const namespace of opened) await namespace.close();
  });
  return {
    open: async (prefix) => {
      const namespace = await TestNamespace.open(prefix);
      opened.push(namespace);
      return namespace;
    },
  };
}
