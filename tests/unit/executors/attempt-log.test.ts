import { describe, expect, it } from "vitest";
import { attemptLogName, nextAttempt } from "../../../operator/executors/local/attempt-log.ts";

describe("a log per attempt", () => {
  it("names the first attempt's log stage.log and later ones by their number", () => {
    expect([1, 2, 3, 12].map(attemptLogName)).toEqual([
      "stage.log",
      "stage.attempt-2.log",
      "stage.attempt-3.log",
      "stage.attempt-12.log",
    ]);
  });

  it("counts on from the highest attempt whose log is in the folder", () => {
    expect(nextAttempt([])).toBe(1);
    expect(nextAttempt(["request.json", "result.json"])).toBe(1);
    expect(nextAttempt(["request.json", "stage.log"])).toBe(2);
    expect(nextAttempt(["stage.log", "stage.attempt-2.log", "stage.attempt-10.log", "stage.attempt-9.log"])).toBe(11);
    // A lost first log (removed by hand) does not make the next attempt reuse a later one's name.
    expect(nextAttempt(["stage.attempt-3.log"])).toBe(4);
    // Names that only look alike are not logs of an attempt.
    expect(nextAttempt(["stage.log.bak", "stage.attempt-x.log", "my-stage.attempt-5.log"])).toBe(1);
  });
});
