import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { z } from "zod";
import { describeUnknownFields, unknownFields } from "../api/unknown-fields.ts";
import { MammoflowConfig } from "./schema.ts";

/** Environment variables that override single settings (applied after the file). */
export const ENV_OVERRIDES: Record<string, readonly string[]> = {
  MAMMOFLOW_LOG_LEVEL: ["logLevel"],
  MAMMOFLOW_STORAGE_ROOT: ["storage", "root"],
  MAMMOFLOW_NAMESPACE: ["operator", "namespace"],
  MAMMOFLOW_KUEUE_QUEUE: ["kueue", "queueName"],
};

type Tree = Record<string, unknown>;

function setPath(tree: Tree, keys: readonly string[], value: string): void {
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    node[key] = child && typeof child === "object" && !Array.isArray(child) ? { ...(child as Tree) } : {};
    node = node[key] as Tree;
  }
  node[keys[keys.length - 1] as string] = value;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Merges a decoded config file with environment overrides and validates the result. Pure. */
export function resolveConfig(
  fileContent: unknown,
  env: Record<string, string | undefined>,
  source: string,
): MammoflowConfig {
  if (
    fileContent !== undefined &&
    (typeof fileContent !== "object" || fileContent === null || Array.isArray(fileContent))
  ) {
    throw new ConfigError(`${source}: the configuration must be a mapping`);
  }
  const merged: Tree = structuredClone((fileContent as Tree | undefined) ?? {});
  for (const [name, keys] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value !== undefined && value !== "") setPath(merged, keys, value);
  }
  const result = MammoflowConfig.safeParse(merged);
  const problems = [
    ...(result.success ? [] : [z.prettifyError(result.error)]),
    ...[unknownFields(MammoflowConfig, merged)].filter((u) => u.length > 0).map(describeUnknownFields),
  ];
  if (!result.success || problems.length > 0) {
    throw new ConfigError(`${source}: invalid configuration\n${problems.join("\n")}`);
  }
  return result.data;
}

/** Loads the configuration from `file` (or $MAMMOFLOW_CONFIG) and the environment. */
export async function loadConfig(
  file: string | undefined = process.env.MAMMOFLOW_CONFIG,
  env: Record<string, string | undefined> = process.env,
): Promise<MammoflowConfig> {
  if (!file) return resolveConfig(undefined, env, "defaults");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError(
      `${file}: cannot read the configuration file (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  let decoded: unknown;
  try {
    decoded = parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid YAML (${(error as Error).message})`);
  }
  return resolveConfig(decoded ?? undefined, env, file);
}
