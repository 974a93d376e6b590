import { describe, expect, it } from "vitest";
import { StartExpectations } from "../../../operator/controllers/start-expectations.ts";

describe("StartExpectations", () => {
  it("holds a started Job until it is observed or the expectation lapses", () => {
    let now = 0;
    const expectations = new StartExpectations(30_000, () => now);
    expect(expectations.isPending("ns/j")).toBe(false);
    expectations.expect("ns/j");
    now = 29_000;
    expect(expectations.isPending("ns/j")).toBe(true);
    expectations.observed("ns/j");
    expect(expectations.isPending("ns/j")).toBe(false);
    expectations.expect("ns/k");
    now = 60_000;
    expect(expectations.isPending("ns/k")).toBe(false);
  });
});
