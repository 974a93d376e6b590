// The informer against the real API server: a watch from an expired resource version gets
// 410 Gone, and the informer re-lists instead of stopping; later changes arrive by watch.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeClient, KubeObject } from "../../operator/kube/client.ts";
import { Informer } from "../../operator/kube/informer.ts";
import { createLogger } from "../../operator/log/logger.ts";
import { adminClient, createNamespace, createResource, deleteNamespace, resourceUrl } from "./support/cluster.ts";
import { waitFor } from "./support/wait.ts";

describe("Informer", () => {
  let admin: KubeClient;
  let ns: string;
  const stop = new AbortController();
  beforeAll(async () => {
    admin = adminClient();
    ns = await createNamespace(admin, "informer");
  });
  afterAll(async () => {
    stop.abort();
    await deleteNamespace(admin, ns);
  });

  it("re-lists after 410 Gone and then follows changes", async () => {
    await createResource(admin, ns, "RoiDetectorTraining", "before", { source: "Trained", checkpoint: "a/b.pth" });
    const informer = new Informer<KubeObject>(
      admin,
      { path: resourceUrl(ns, "RoiDetectorTraining"), name: "test", resumeFrom: "1" },
      createLogger("silent"),
    );
    const changes: string[] = [];
    informer.onChange((o, change) => changes.push(`${change} ${o.metadata.name}`));
    const running = informer.run(stop.signal);
    await waitFor("the re-list", () => informer.hasSynced);
    expect(informer.relists).toBe(1);
    expect(informer.list(ns).map((o) => o.metadata.name)).toEqual(["before"]);

    await createResource(admin, ns, "RoiDetectorTraining", "after", { source: "Trained", checkpoint: "a/b.pth" });
    await admin.delete(resourceUrl(ns, "RoiDetectorTraining", "before"));
    await waitFor("the watch events", () => changes.includes("delete before"));
    expect(changes).toEqual(["add before", "add after", "delete before"]);
    expect(informer.relists).toBe(1);
    stop.abort();
    await running;
  });

  it("lists page by page and keeps its objects by namespace and by index as they change", async () => {
    for (const name of ["p1", "p2", "p3"]) {
      await createResource(admin, ns, "RoiDetectorTraining", name, { source: "Trained", checkpoint: "a/b.pth" });
    }
    const pages = new AbortController();
    const informer = new Informer<KubeObject>(
      admin,
      { path: resourceUrl(ns, "RoiDetectorTraining"), name: "paged", pageSize: 1 },
      createLogger("silent"),
    );
    informer.addIndex("checkpoint", (o) => [(o.spec as { checkpoint?: string }).checkpoint ?? ""]);
    const listsBefore = admin.requestCounts.get("list") ?? 0;
    const running = informer.run(pages.signal);
    await informer.waitForSync();
    const names = () => informer.list(ns).map((o) => o.metadata.name);
    // "after" (from the first test) and p1..p3, one page each, plus the empty last page's end.
    expect((admin.requestCounts.get("list") ?? 0) - listsBefore).toBe(4);
    expect(names()).toEqual(["after", "p1", "p2", "p3"]);
    expect(informer.list("elsewhere")).toEqual([]);
    expect(informer.byIndex("checkpoint", "a/b.pth").map((o) => o.metadata.name)).toEqual(names());

    await admin.mergePatch(resourceUrl(ns, "RoiDetectorTraining", "p2"), { spec: { checkpoint: "c/d.pth" } });
    await admin.delete(resourceUrl(ns, "RoiDetectorTraining", "p3"));
    await waitFor(
      "the watch events",
      () => informer.list(ns).length === 3 && informer.byIndex("checkpoint", "c/d.pth").length === 1,
    );
    expect(informer.byIndex("checkpoint", "a/b.pth").map((o) => o.metadata.name)).toEqual(["after", "p1"]);
    // An updated object keeps its place in listings.
    expect(names()).toEqual(["after", "p1", "p2"]);
    pages.abort();
    await running;
  });
});
