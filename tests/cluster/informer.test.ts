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
});
