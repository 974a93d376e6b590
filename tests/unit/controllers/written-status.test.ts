import { describe, expect, it } from "vitest";
import { WrittenStatus } from "../../../operator/controllers/written-status.ts";

describe("WrittenStatus", () => {
  it("stands in for a cache that has not caught up with the write, then yields to it", () => {
    const written = new WrittenStatus<{ phase: string }>();
    expect(written.current("ns/a", "1", undefined)).toBeUndefined();
    written.remember("ns/a", "1", { phase: "Running" });
    expect(written.current("ns/a", "1", undefined)).toEqual({ phase: "Running" });
    expect(written.current("ns/a", "2", { phase: "Running" })).toEqual({ phase: "Running" });
    // Once a newer version was seen, the cache is the truth again.
    expect(written.current("ns/a", "1", { phase: "Pending" })).toEqual({ phase: "Pending" });
  });
});
