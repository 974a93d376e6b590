import { describe, expect, it } from "vitest";
import { COMBINED_PREFIX, EventCorrelator } from "../../../operator/kube/event-correlator.ts";

const MINUTE = 60_000;
const fold = (name: string) => ({ kind: "ClassifierFold", namespace: "ns", name, uid: `uid-${name}` });
const event = (name: string, reason: string, message: string) => ({
  object: fold(name),
  type: "Warning",
  reason,
  message,
});

describe("the event correlator (client-go's rules)", () => {
  it("patches the count of an event it has sent before instead of creating another", () => {
    const correlator = new EventCorrelator("mammoflow-operator");
    const first = correlator.decide(event("a", "StageFailed", "exit 2"), 0);
    const second = correlator.decide(event("a", "StageFailed", "exit 2"), 1000);
    const third = correlator.decide(event("a", "StageFailed", "exit 2"), 2000);
    expect(first).toMatchObject({ action: "create", message: "exit 2" });
    expect(second).toEqual({ action: "patch", key: (first as { key: string }).key, message: "exit 2", count: 2 });
    expect(third).toMatchObject({ action: "patch", count: 3 });
    // Another object, reason or message is another event.
    expect(correlator.decide(event("b", "StageFailed", "exit 2"), 3000).action).toBe("create");
    expect(correlator.decide(event("a", "StageRejected", "exit 2"), 3000).action).toBe("create");
    expect(correlator.decide(event("a", "StageFailed", "exit 3"), 3000).action).toBe("create");
  });

  it("folds the 10th and later similar events (other messages) of 10 minutes into one combined event", () => {
    const correlator = new EventCorrelator("mammoflow-operator");
    const decisions = Array.from({ length: 12 }, (_, i) =>
      correlator.decide(event("a", "StageStarted", `stage ${i}`), i),
    );
    expect(decisions.slice(0, 9).map((d) => d.action)).toEqual(Array(9).fill("create"));
    expect(decisions[9]).toMatchObject({ action: "create", message: `${COMBINED_PREFIX}stage 9` });
    expect(decisions[10]).toMatchObject({ action: "patch", message: `${COMBINED_PREFIX}stage 10`, count: 2 });
    expect(decisions[11]).toMatchObject({ action: "patch", count: 3 });
    // After the window, similar events count from zero again.
    expect(correlator.decide(event("a", "StageStarted", "stage 99"), 11 * MINUTE)).toMatchObject({
      action: "create",
      message: "stage 99",
    });
  });

  it("mutes an object after a burst of 25 events and lets one more through every 5 minutes", () => {
    const correlator = new EventCorrelator("mammoflow-operator");
    const burst = Array.from({ length: 26 }, () => correlator.decide(event("a", "StageFailed", "same"), 0).action);
    expect(burst.filter((a) => a !== "drop")).toHaveLength(25);
    expect(burst[25]).toBe("drop");
    expect(correlator.decide(event("b", "StageFailed", "same"), 0).action).toBe("create");
    expect(correlator.decide(event("a", "StageFailed", "same"), 4 * MINUTE).action).toBe("drop");
    expect(correlator.decide(event("a", "StageFailed", "same"), 5 * MINUTE).action).toBe("patch");
    expect(correlator.decide(event("a", "StageFailed", "same"), 5 * MINUTE + 1).action).toBe("drop");
  });

  it("creates the event again after it forgot a key whose send failed", () => {
    const correlator = new EventCorrelator("mammoflow-operator");
    const first = correlator.decide(event("a", "StageFailed", "x"), 0) as { key: string };
    correlator.forget(first.key);
    expect(correlator.decide(event("a", "StageFailed", "x"), 1).action).toBe("create");
  });
});
