import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, resolveConfig } from "../../../operator/config/load.ts";

describe("configuration", () => {
  it("defaults to an A100 pool, a local storage root and info logging", () => {
    const config = resolveConfig(undefined, {}, "defaults");
    expect(config.logLevel).toBe("info");
    expect(config.storage).toEqual({
      root: "./storage",
      claimName: "mammoflow-data",
      mountPath: "/data",
      reuseResultsAcrossNamespaces: false,
    });
    expect(Object.keys(config.gpuPools)).toEqual(["a100"]);
    expect(config.gpuPools.a100).toMatchObject({ gpuResource: "nvidia.com/gpu", gpuType: "a100" });
    expect(config.gpuPools.a100?.nodeAffinity[0]?.values).toContain("NVIDIA-A100-SXM4-40GB");
    expect(config.kueue.queueName).toBeUndefined();
  });

  it("applies environment overrides on top of the file", () => {
    const config = resolveConfig(
      { logLevel: "warn", storage: { claimName: "shared" } },
      { MAMMOFLOW_STORAGE_ROOT: "/mnt/data", MAMMOFLOW_LOG_LEVEL: "debug", MAMMOFLOW_KUEUE_QUEUE: "gpu-queue" },
      "test",
    );
    expect(config.logLevel).toBe("debug");
    expect(config.storage).toEqual({
      root: "/mnt/data",
      claimName: "shared",
      mountPath: "/data",
      reuseResultsAcrossNamespaces: false,
    });
    expect(config.kueue.queueName).toBe("gpu-queue");
  });

  it("names the file and the field of an invalid setting", () => {
    expect(() => resolveConfig({ operator: { metricsPort: 70000 } }, {}, "mammoflow.yaml")).toThrow(
      /mammoflow\.yaml: invalid configuration\n.*\n\s+→ at operator\.metricsPort/,
    );
    expect(() => resolveConfig(["a"], {}, "list.yaml")).toThrow("list.yaml: the configuration must be a mapping");
  });

  it("refuses a misspelt setting instead of running with the default, naming the closest one", () => {
    expect(() => resolveConfig({ storage: { claimNmae: "shared" }, logLvel: "debug" }, {}, "values.yaml")).toThrow(
      'values.yaml: invalid configuration\nstorage.claimNmae: unknown field (did you mean "claimName"?)\nlogLvel: unknown field (did you mean "logLevel"?)',
    );
  });

  it("reads a YAML file and reports unreadable or malformed files", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "mammoflow-config-"));
    const file = path.join(dir, "config.yaml");
    await writeFile(file, "gpuPools:\n  h100:\n    gpuType: h100\n    nodeSelector: {gpu: h100}\n");
    const config = await loadConfig(file, {});
    expect(config.gpuPools.h100).toMatchObject({
      gpuType: "h100",
      nodeSelector: { gpu: "h100" },
      gpuResource: "nvidia.com/gpu",
    });
    await expect(loadConfig(path.join(dir, "absent.yaml"), {})).rejects.toThrow(
      /absent\.yaml: cannot read the configuration file \(ENOENT\)/,
    );
    await writeFile(file, "logLevel: [unclosed\n");
    await expect(loadConfig(file, {})).rejects.toBeInstanceOf(ConfigError);
  });
});
