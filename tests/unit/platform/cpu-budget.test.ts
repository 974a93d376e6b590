import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { cpuBudget, quotaCores } from "../../../jobs/ts/platform/cpu-budget.ts";

describe("the CPU quota of a container", () => {
  it("reads cgroup v2 cpu.max: none, whole and fractional cores (rounded up)", () => {
    expect(quotaCores("max 100000\n")).toBeUndefined();
    expect(quotaCores("200000 100000\n")).toBe(2);
    expect(quotaCores("150000 100000")).toBe(2);
    expect(quotaCores("50000 100000")).toBe(1);
    expect(quotaCores("1600000 100000")).toBe(16);
  });

  it("reads cgroup v1 cfs quota and period; -1 means none", () => {
    expect(quotaCores(undefined, "-1\n", "100000\n")).toBeUndefined();
    expect(quotaCores(undefined, "400000\n", "100000\n")).toBe(4);
    expect(quotaCores(undefined, "250000", "100000")).toBe(3);
  });

  it("ignores what is missing or not a quota", () => {
    expect(quotaCores(undefined)).toBeUndefined();
    expect(quotaCores(undefined, "400000", undefined)).toBeUndefined();
    expect(quotaCores("")).toBeUndefined();
    expect(quotaCores("lots 100000")).toBeUndefined();
    expect(quotaCores("100000 0")).toBeUndefined();
  });

  it("never exceeds what Node sees, and is at least one", () => {
    const budget = cpuBudget();
    expect(budget).toBeGreaterThanOrEqual(1);
    expect(budget).toBeLessThanOrEqual(availableParallelism());
  });
});
