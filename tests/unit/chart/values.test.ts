import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ChartValues } from "../../../operator/codegen/chart-values-schema.ts";
import { MammoflowConfig } from "../../../operator/config/schema.ts";

const values = parse(readFileSync("charts/mammoflow/values.yaml", "utf8"));

describe("chart values", () => {
  it("carry an operator configuration the operator accepts, equal to its defaults where they overlap", () => {
    const config = MammoflowConfig.parse(values.config);
    const defaults = MammoflowConfig.parse({});
    expect(config.gpuPools).toEqual(defaults.gpuPools);
    expect(config.storage.claimName).toBe(defaults.storage.claimName);
    expect(config.jobs).toMatchObject({ backoffLimit: 3, ttlSecondsAfterFinished: 86400 });
  });

  it("match the chart's values schema", () => {
    expect(ChartValues.safeParse(values).error).toBeUndefined();
  });

  it("run two replicas with leader election", () => {
    expect(values.replicaCount).toBe(2);
    expect(values.config.operator.leaderElection).toBe(true);
  });
});
