import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../operator/log/logger.ts";

describe("the logger", () => {
  it("writes JSON lines with the level as a name, an ISO time and the app", () => {
    const out = new PassThrough();
    const lines: string[] = [];
    out.on("data", (chunk: Buffer) => lines.push(...chunk.toString().trim().split("\n")));
    const log = createLogger("info", out);
    log.debug("hidden");
    log.warn({ kind: "ClassifierFold" }, "reconcile failed; retrying with backoff");
    log.info("caches synced");
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r.level, r.msg])).toEqual([
      ["warn", "reconcile failed; retrying with backoff"],
      ["info", "caches synced"],
    ]);
    expect(records[0]).toMatchObject({ app: "mammoflow", kind: "ClassifierFold" });
    expect(String(records[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
