// The informer against the real API server: a watch from an expired resource version gets
// 410 Gone, and the informer re-lists instead of stopping; later changes arrive by watch.
import { afterAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../operator/kube/client.ts";
import { Informer } from "../../operator/kube/informer.ts";
import { createLogger } from "../../operator/log/logger.ts";
import { useClusterNamespace } from "./support/namespace.ts";
import { waitFor } from "./support/wait.ts";

describe("Informer", () => {
  const cluster = useClusterNamespace("informer");
  const stop = new AbortController();
  afterAll(() => stop.abort());

  it("re-lists after 410 Gone and then follows changes", async () => {
    await cluster.create("RoiDetectorTraining", "before", { source: "Trained", checkpoint: "a/b.pth" });
    const informer = new Informer<KubeObject>(
      cluster.admin,
      { path: cluster.url("RoiDetectorTraining"), name: "test", resumeFrom: "1" },
      createLogger("silent"),
    );
    const changes: string[] = [];
    informer.onChange((o, change) => changes.push(`${change} ${o.metadata.name}`));
    const running = informer.run(stop.signal);
    await waitFor("the re-list", () => informer.hasSynced);
    expect(informer.relists).toBe(1);
    expect(informer.list(cluster.name).map((o) => o.metadata.name)).toEqual(["before"]);

    await cluster.create("RoiDetectorTraining", "after", { source: "Trained", checkpoint: "a/b.pth" });
    await cluster.admin.delete(cluster.url("RoiDetectorTraining", "before"));
    await waitFor("the watch events", () => changes.includes("delete before"));
    expect(changes).toEqual(["add before", "add after", "delete before"]);
    expect(informer.relists).toBe(1);
    stop.abort();
    await running;
  });

  it("lists page by page and keeps its objects by namespace and by index as they change", async () => {
    for (const name of ["p1", "p2", "p3"]) {
      await cluster.create("RoiDetectorTraining", name, { source: "Trained", checkpoint: "a/b.pth" });
    }
    const pages = new AbortController();
    const informer = new Informer<KubeObject>(
      cluster.admin,
      { path: cluster.url("RoiDetectorTraining"), name: "paged", pageSize: 1 },
      createLogger("silent"),
    );
    informer.addIndex("checkpoint", (o) => [(o.spec as { checkpoint?: string }).checkpoint ?? ""]);
    const listsBefore = cluster.admin.requestCounts.get("list") ?? 0;
    const running = informer.run(pages.signal);
    await informer.waitForSync();
    const names = () => informer.list(cluster.name).map((o) => o.metadata.name);
    // "after" (from the first test) and p1..p3, one page each, plus the empty last page's end.
    expect((cluster.admin.requestCounts.get("list") ?? 0) - listsBefore).toBe(4);
    expect(names()).toEqual(["after", "p1", "p2", "p3"]);
    expect(informer.list("elsewhere")).toEqual([]);
    expect(informer.byIndex("checkpoint", "a/b.pth").map((o) => o.metadata.name)).toEqual(names());

    await cluster.patch("RoiDetectorTraining", "p2", { spec: { checkpoint: "c/d.pth" } });
    await cluster.admin.delete(cluster.url("RoiDetectorTraining", "p3"));
    await waitFor(
      "the watch events",
      () => informer.list(cluster.name).length === 3 && informer.byIndex("checkpoint", "c/d.pth").length === 1,
    );
    expect(informer.byIndex("checkpoint", "a/b.pth").map((o) => o.metadata.name)).toEqual(["after", "p1"]);
    // An updated object keeps its place in listings.
    expect(names()).toEqual(["after", "p1", "p2"]);
    pages.abort();
    await running;
  });
});
