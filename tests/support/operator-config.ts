import { resolveConfig } from "../../operator/config/load.ts";
import type { MammoflowConfig } from "../../operator/config/schema.ts";

/** The operator configuration from defaults plus `overrides` (as a config file would give). */
export function parseConfigForTest(overrides: Record<string, unknown> = {}): MammoflowConfig {
  return resolveConfig(overrides, {}, "test");
}
