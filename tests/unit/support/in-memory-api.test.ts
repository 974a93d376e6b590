// The in-memory API (tests/support/in-memory-api.ts) keeps the API server's semantics the
// controllers rely on; the fast reconciler test is only as good as these.
import { beforeEach, describe, expect, it } from "vitest";
import type { KubeApiError, KubeObject, WatchEvent } from "../../../operator/kube/client.ts";
import { InMemoryApi } from "../../support/in-memory-api.ts";

const JOBS = "/apis/batch/v1/namespaces/ns/jobs";
const JOB = `${JOBS}/j`;
const CONFIGMAP = "/api/v1/namespaces/ns/configmaps/c";

let api: InMemoryApi;
beforeEach(() => {
  api = new InMemoryApi(() => new Date("2026-01-01T00:00:00Z"), []);
});

const job = (spec: Record<string, unknown>, status?: Record<string, unknown>) => ({
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "j", labels: { app: "x" } },
  spec,
  ...(status ? { status } : {}),
});
const refusal = async (request: Promise<unknown>) => {
  const error = (await request.then(
    () => undefined,
    (e: unknown) => e,
  )) as KubeApiError | undefined;
  return error && `${error.statusCode} ${error.reason}: ${error.message}`;
};

describe("the in-memory API", () => {
  it("creates with uid, generation 1 and a resourceVersion, ignoring status; refuses a second create", async () => {
    const created = await api.create<KubeObject>(JOBS, job({ parallelism: 1 }, { active: 1 }));
    expect(created.metadata).toMatchObject({
      name: "j",
      namespace: "ns",
      uid: "j.1",
      generation: 1,
      resourceVersion: "1",
    });
    expect(created.status).toBeUndefined();
    expect(await refusal(api.create(JOBS, job({})))).toBe('409 AlreadyExists: jobs.batch "j" already exists');
  });

  it("changes status only through the status subresource, and the generation only with the spec", async () => {
    await api.create(JOBS, job({ parallelism: 1 }));
    const viaMain = await api.mergePatch<KubeObject>(JOB, { status: { active: 1 } });
    expect([viaMain.status, viaMain.metadata.resourceVersion]).toEqual([undefined, "1"]);
    const viaStatus = await api.mergePatch<KubeObject>(`${JOB}/status`, {
      spec: { parallelism: 9 },
      status: { active: 1 },
    });
    expect([viaStatus.spec, viaStatus.status, viaStatus.metadata.generation]).toEqual([
      { parallelism: 1 },
      { active: 1 },
      1,
    ]);
    const edited = await api.mergePatch<KubeObject>(JOB, { spec: { parallelism: 2 } });
    expect([edited.metadata.generation, edited.metadata.resourceVersion, edited.status]).toEqual([
      2,
      "3",
      { active: 1 },
    ]);
  });

  it("refuses an update from a stale resourceVersion with Conflict", async () => {
    const created = await api.create<KubeObject>(JOBS, job({}));
    await api.mergePatch(JOB, { metadata: { labels: { app: "y" } } });
    expect(await refusal(api.update(JOB, created))).toBe(
      '409 Conflict: Operation cannot be fulfilled on jobs "j": the object has been modified',
    );
  });

  it("server-side apply: a repeated apply changes nothing; a field its manager stops setting goes, others' stay", async () => {
    await api.apply(
      CONFIGMAP,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1", b: "2" } },
      "op",
    );
    await api.mergePatch(CONFIGMAP, { data: { byHand: "3" } });
    const again = await api.apply<KubeObject & { data: object }>(
      CONFIGMAP,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1", b: "2" } },
      "op",
    );
    expect(again.metadata.resourceVersion).toBe("2");
    const narrowed = await api.apply<KubeObject & { data: object }>(
      CONFIGMAP,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } },
      "op",
    );
    expect(narrowed.data).toEqual({ a: "1", byHand: "3" });
  });

  it("deletes with a uid precondition; Background takes the dependants at once, Foreground holds the owner", async () => {
    const owner = await api.create<KubeObject>(JOBS, job({}));
    const pod = (name: string) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name,
        ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "j", uid: owner.metadata.uid }],
      },
    });
    await api.create("/api/v1/namespaces/ns/pods", pod("p1"));
    const body = (uid: string, propagationPolicy: string) => ({ body: { propagationPolicy, preconditions: { uid } } });
    expect(await refusal(api.request("DELETE", JOB, body("other", "Foreground")))).toBe(
      "409 Conflict: Precondition failed: UID in precondition: other, UID in object meta: j.1",
    );
    await api.request("DELETE", JOB, body("j.1", "Foreground"));
    expect(api.stored("/v1/pods", "ns")).toEqual([]);
    expect(api.stored("batch/v1/jobs", "ns").map((j) => j.metadata.deletionTimestamp)).toEqual([
      "2026-01-01T00:00:00.000Z",
    ]);
    expect(api.finishDeletions()).toBe(1);
    expect(await refusal(api.get(JOB))).toBe('404 NotFound: jobs.batch "j" not found');
  });

  it("a watch from a resourceVersion replays what came after it; later events wait for deliver()", async () => {
    await api.create(JOBS, job({}));
    const { metadata } = await api.list(JOBS);
    await api.mergePatch(`${JOB}/status`, { status: { active: 1 } });
    const seen: string[] = [];
    const stop = new AbortController();
    const watching = api.watch<KubeObject>(
      JOBS,
      { resourceVersion: metadata.resourceVersion, labelSelector: "app=x" },
      (e: WatchEvent<KubeObject>) => seen.push(`${e.type} ${e.object.metadata.resourceVersion}`),
      stop.signal,
    );
    expect(seen).toEqual(["MODIFIED 2"]);
    await api.request("DELETE", JOB, { body: {} });
    expect(seen).toEqual(["MODIFIED 2"]);
    expect(api.deliver()).toBe(true);
    expect(seen).toEqual(["MODIFIED 2", "DELETED 3"]);
    stop.abort();
    await watching;
  });

  it("answers 404 for a resource it does not serve (an API not installed, e.g. Kueue's)", async () => {
    expect(await refusal(api.list("/apis/kueue.x-k8s.io/v1beta2/namespaces/ns/workloads"))).toBe(
      "404 NotFound: the server could not find the requested resource",
    );
  });
});
