import { describe, expect, it } from "vitest";
import { ItemExponentialBackoff, MaxOf, TokenBucket } from "../../../operator/kube/rate-limiter.ts";
import { mergePatchBetween } from "../../../operator/kube/status-writer.ts";
import { WorkQueue } from "../../../operator/kube/workqueue.ts";

describe("WorkQueue", () => {
  it("hands out each key once however often it was added, in order", async () => {
    const queue = new WorkQueue();
    for (const key of ["a", "b", "a", "c", "b"]) queue.add(key);
    expect(queue.length).toBe(3);
    expect([await queue.get(), await queue.get(), await queue.get()]).toEqual(["a", "b", "c"]);
  });

  it("re-queues a key added while it was processed only when it is done", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    const key = await queue.get();
    queue.add("a");
    expect(queue.length).toBe(0);
    queue.done(key as string);
    expect(queue.length).toBe(1);
    expect(await queue.get()).toBe("a");
  });

  it("wakes a waiting worker and answers undefined after shutdown", async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.add("x");
    expect(await waiting).toBe("x");
    const blocked = queue.get();
    queue.shutDown();
    expect(await blocked).toBeUndefined();
  });

  it("reports depth, adds, queue wait, work time and retries as client-go's queue does", async () => {
    const seen: string[] = [];
    let now = 1000;
    const queue = new WorkQueue(
      new ItemExponentialBackoff(5, 1000),
      {
        depth: (n) => seen.push(`depth ${n}`),
        added: () => seen.push("add"),
        waited: (s) => seen.push(`waited ${s}`),
        worked: (s) => seen.push(`worked ${s}`),
        retried: () => seen.push("retry"),
      },
      () => now,
    );
    queue.add("a");
    queue.add("b");
    queue.add("a"); // already waiting: no add
    now = 1250;
    const key = (await queue.get()) as string;
    now = 1750;
    expect(queue.inProgressSeconds()).toEqual([0.5]);
    queue.done(key);
    queue.addRateLimited("b");
    queue.shutDown();
    expect(seen).toEqual(["add", "depth 1", "add", "depth 2", "depth 1", "waited 0.25", "worked 0.5", "retry"]);
    expect(queue.inProgressSeconds()).toEqual([]);
  });
});

describe("rate limiters", () => {
  it("backs off per key exponentially from 5 ms to the cap, and forgets", () => {
    const backoff = new ItemExponentialBackoff(5, 1_000_000);
    expect([1, 2, 3, 4].map(() => backoff.when("k"))).toEqual([5, 10, 20, 40]);
    expect(backoff.when("other")).toBe(5);
    for (let i = 0; i < 40; i++) backoff.when("k");
    expect(backoff.when("k")).toBe(1_000_000);
    backoff.forget("k");
    expect(backoff.when("k")).toBe(5);
  });

  it("lets a burst through, then spaces requests at the bucket's rate", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.when("a"), bucket.when("b"), bucket.when("c")]).toEqual([0, 0, 0]);
    expect(bucket.when("d")).toBe(100);
    now = 1000;
    expect(bucket.when("e")).toBe(0);
  });

  it("takes the longest delay of its limiters", () => {
    const now = 0;
    const limiter = new MaxOf(new ItemExponentialBackoff(5, 1000), new TokenBucket(1, 1, () => now));
    expect(limiter.when("a")).toBe(5);
    expect(limiter.when("a")).toBe(1000);
  });
});

describe("mergePatchBetween", () => {
  it("carries changed and removed keys only, arrays whole", () => {
    const from = { phase: "Running", metrics: { a: 1, b: 2 }, stages: [{ name: "x" }], startedAt: "t" };
    const to = { phase: "Succeeded", metrics: { a: 1 }, stages: [{ name: "x" }, { name: "y" }], startedAt: "t" };
    expect(mergePatchBetween(from, to)).toEqual({
      phase: "Succeeded",
      metrics: { b: null },
      stages: [{ name: "x" }, { name: "y" }],
    });
    expect(mergePatchBetween(from, structuredClone(from))).toBeUndefined();
    expect(mergePatchBetween(undefined, { phase: "Pending" })).toEqual({ phase: "Pending" });
  });
});
