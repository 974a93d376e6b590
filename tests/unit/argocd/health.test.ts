import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { decideStatus } from "../../../operator/pipeline/status.ts";

// Argo CD evaluates health checks with gopher-lua (Lua 5.1); Debian's lua5.1 runs them here.
const LUA = "lua5.1";
const healthLua = readFileSync("charts/mammoflow/argocd/health.lua", "utf8");

/** JSON → Lua table constructor, so the script sees `obj` as Argo CD builds it. */
function toLua(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(",")}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `[${JSON.stringify(k)}]=${toLua(v)}`)
    .join(",")}}`;
}

function health(obj: unknown, script = healthLua): { status: string; message: string } {
  const harness = `obj = ${toLua(obj)}\nlocal hs = assert(loadstring(io.read("*a")))()\nprint(hs.status)\nprint(hs.message or "")`;
  const out = execFileSync(LUA, ["-e", harness], { input: script, encoding: "utf8" });
  const [status = "", message = ""] = out.split("\n");
  return { status, message };
}

const condition = (type: string, reason: string, message = "") => ({
  type,
  status: "True",
  reason,
  message,
  lastTransitionTime: "2026-11-29T07:00:00Z",
});

const fold = (status?: Record<string, unknown>, generation = 1) => ({
  apiVersion: "mammoflow.io/v1alpha1",
  kind: "ClassifierFold",
  metadata: { name: "fold-2", generation },
  spec: { dataset: { name: "d" }, fold: 2 },
  ...(status ? { status } : {}),
});

describe("Argo CD health check", () => {
  it("is Progressing until the operator has written a status", () => {
    expect(health(fold())).toEqual({
      status: "Progressing",
      message: "Waiting for the mammoflow operator to pick up the resource",
    });
  });

  it("is Progressing while the operator has not acted on the latest generation", () => {
    expect(health(fold({ phase: "Succeeded", observedGeneration: 1 }, 2))).toEqual({
      status: "Progressing",
      message: "Waiting for the operator to act on generation 2",
    });
  });

  it("is Progressing with the stage count while running", () => {
    const status = {
      phase: "Running",
      observedGeneration: 1,
      progress: { stagesSucceeded: 1, stagesTotal: 2, summary: "1/2" },
    };
    expect(health(fold(status))).toEqual({ status: "Progressing", message: "Running, 1/2 stages done" });
    expect(health(fold({ phase: "Pending", observedGeneration: 1 }))).toEqual({
      status: "Progressing",
      message: "Pending",
    });
  });

  it("is Healthy when succeeded", () => {
    const status = {
      phase: "Succeeded",
      observedGeneration: 1,
      conditions: [condition("Succeeded", "StagesSucceeded", "2 of 2")],
    };
    expect(health(fold(status))).toEqual({ status: "Healthy", message: "StagesSucceeded: 2 of 2" });
  });

  it("is Degraded with the failure reason when failed", () => {
    const status = {
      phase: "Failed",
      observedGeneration: 1,
      conditions: [condition("Ready", "Failed"), condition("Failed", "StageFailed", "train-fold exited 2: BadInput")],
    };
    expect(health(fold(status))).toEqual({ status: "Degraded", message: "StageFailed: train-fold exited 2: BadInput" });
  });

  it("is Suspended while blocked on an input resource", () => {
    const status = { phase: "Blocked", observedGeneration: 1, conditions: [condition("Blocked", "WaitingForDataset")] };
    expect(health(fold(status))).toEqual({ status: "Suspended", message: "WaitingForDataset" });
  });

  it("is Suspended with the reason and message while spec.suspend holds it", () => {
    const status = {
      phase: "Suspended",
      observedGeneration: 1,
      conditions: [condition("Suspended", "Suspended", "spec.suspend is true: stage train-fold-1 is suspended")],
    };
    expect(health(fold(status))).toEqual({
      status: "Suspended",
      message: "Suspended: spec.suspend is true: stage train-fold-1 is suspended",
    });
  });

  it("is Progressing with the Ready message while Kueue holds the stage's Job", () => {
    const waits =
      "running stage train-fold (0/2 done); stage train-fold waits: Queued: Job f-train-fold waits in Kueue queue stages for admission";
    const status = {
      phase: "Queued",
      observedGeneration: 1,
      progress: { stagesSucceeded: 0, stagesTotal: 2, summary: "0/2" },
      conditions: [condition("Blocked", "InputsReady"), { ...condition("Ready", "Queued", waits), status: "False" }],
    };
    expect(health(fold(status))).toEqual({ status: "Progressing", message: `Queued: ${waits}` });
    expect(health(fold({ phase: "Queued", observedGeneration: 1 }))).toEqual({
      status: "Progressing",
      message: "Queued",
    });
  });

  it("gives a Reproduction the health of the status the operator decides: Queued is Progressing, Suspended is Suspended", () => {
    const reproduction = (suspend: boolean) => {
      const children = [
        { kind: "RoiDetectorTraining", name: "r-detector", phase: "Queued" as const },
        { kind: "EngineBuild", name: "r-engine", phase: "Queued" as const },
        { kind: "Submission", name: "r-submission", phase: "Blocked" as const },
      ];
      const status = decideStatus({
        generation: 1,
        now: "2026-11-29T07:00:00Z",
        previous: undefined,
        children,
        suspend,
      }).status;
      return {
        apiVersion: "mammoflow.io/v1alpha1",
        kind: "Reproduction",
        metadata: { name: "r", generation: 1 },
        status,
      };
    };
    const waits =
      "0/3 resources succeeded; nothing runs: RoiDetectorTraining/r-detector, EngineBuild/r-engine wait in a Kueue queue for admission";
    expect(health(reproduction(false))).toEqual({ status: "Progressing", message: `ChildrenQueued: ${waits}` });
    expect(health(reproduction(true))).toEqual({
      status: "Suspended",
      message: `Suspended: spec.suspend is true: its children are suspended (${waits})`,
    });
  });

  it("ships the same script for every kind in the argocd-cm patch", () => {
    const patch = parse(readFileSync("charts/mammoflow/argocd/argocd-cm-health.yaml", "utf8")) as {
      data: Record<string, string>;
    };
    const kinds = Object.keys(patch.data).map((k) => k.replace("resource.customizations.health.mammoflow.io_", ""));
    expect(kinds.sort()).toEqual(
      [
        "ClassificationDataset",
        "ClassifierFold",
        "EngineBuild",
        "Reproduction",
        "RoiDetectorTraining",
        "Submission",
      ].sort(),
    );
    const shipped = patch.data["resource.customizations.health.mammoflow.io_ClassifierFold"] ?? "";
    const status = { phase: "Failed", observedGeneration: 1, conditions: [condition("Failed", "Disk", "full")] };
    expect(health(fold(status), shipped)).toEqual({ status: "Degraded", message: "Disk: full" });
    const queued = { phase: "Queued", observedGeneration: 1, conditions: [condition("Ready", "Queued", "waits")] };
    expect(health(fold(queued), shipped)).toEqual({ status: "Progressing", message: "Queued: waits" });
  });
});
