import { describe, expect, it } from "vitest";
import { announcePoolSize, poolSizeOfThisThread } from "../../../jobs/ts/platform/pool-size.ts";

describe("a pool worker's pool size", () => {
  it("is unknown outside a pool's thread, then the size the pool announced last; a size that is not one changes nothing", () => {
    expect(poolSizeOfThisThread()).toBeUndefined();
    announcePoolSize(4);
    expect(poolSizeOfThisThread()).toBe(4);
    for (const bad of [0, -2, 1.5, Number.NaN, undefined]) announcePoolSize(bad);
    expect(poolSizeOfThisThread()).toBe(4);
    announcePoolSize(2);
    expect(poolSizeOfThisThread()).toBe(2);
  });
});
