import { describe, expect, it } from "vitest";
import { maxAbsDiff } from "./support.ts";

describe("maxAbsDiff, the parity tests' distance", () => {
  it("is the largest |difference| over the whole arrays or a strided column", () => {
    expect(maxAbsDiff([1, 2, 3], [1, 2.5, 1])).toBe(2);
    expect(maxAbsDiff([0, 9, 1, 9], [0, 0, 3, 0], 0, 2)).toBe(2);
    expect(maxAbsDiff([0, 9, 1, 9], [0, 0, 3, 0], 1, 2, 2)).toBe(9);
    expect(maxAbsDiff([1, Number.NaN], [1, 2])).toBe(Number.POSITIVE_INFINITY);
  });

  it("refuses arrays of different lengths and ranges past their end instead of comparing a prefix", () => {
    expect(() => maxAbsDiff([1, 2], [1, 2, 3])).toThrow("the arrays differ in length: 2 and 3");
    expect(() => maxAbsDiff([1, 2, 3], [1, 2])).toThrow("the arrays differ in length: 3 and 2");
    expect(() => maxAbsDiff([1, 2, 3, 4], [1, 2, 3, 4], 1, 2, 3)).toThrow(
      "3 elements from 1 every 2 run past the arrays' 4 elements",
    );
  });
});
