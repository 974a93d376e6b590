import { existsSync } from "node:fs";
import path from "node:path";
import { APP_ROOT } from "../../../contract/app-root.ts";

// Optional native builds of codecs the project also has as WASM/JS (codecs/native/*.c*, built by
// scripts/build-native.sh during `npm run setup`). They decode the same bits faster; which one a
// process uses is chosen per codec by an environment variable: auto (native when it loads), native
// (an error when it does not) or the portable decoder.

/** Where `npm run setup` puts the addons. */
export const NATIVE_ADDON_DIR = path.join(APP_ROOT, "build/native");

export type Loaded<T> = { addon: T } | { error: string };

/** Loads an addon file and checks it exports the named functions; the reason it did not load is kept for messages. */
export function loadAddon<T>(file: string, functions: readonly string[]): Loaded<T> {
  if (!existsSync(file)) {
    return { error: `${file} was not built (npm run setup builds it; scripts/build-native.sh says what it needs)` };
  }
  try {
    // dlopen, not require: only a shared object may stand here, never a script or JSON.
    const module = { exports: {} as Record<string, unknown> };
    process.dlopen(module, file);
    const missing = functions.filter((name) => typeof module.exports[name] !== "function");
    if (missing.length > 0) return { error: `${file} is not the expected addon (no ${missing.join(", ")})` };
    return { addon: module.exports as T };
  } catch (error) {
    return { error: `${file} did not load: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const cache = new Map<string, Loaded<unknown>>();

/** build/native/NAME.node, loaded once per thread. */
export function loadNativeAddon<T>(name: string, functions: readonly string[]): Loaded<T> {
  let loaded = cache.get(name);
  if (loaded === undefined) {
    loaded = loadAddon<T>(path.join(NATIVE_ADDON_DIR, `${name}.node`), functions);
    cache.set(name, loaded);
  }
  return loaded as Loaded<T>;
}

/** The value of a decoder-choice variable, checked: auto (the default), native or the portable one. */
export function backendChoice<P extends string>(
  variable: string,
  portable: P,
  value: string | undefined,
): "auto" | "native" | P {
  const choices = ["auto", "native", portable];
  const choice = value === undefined || value === "" ? "auto" : value;
  if (!choices.includes(choice)) throw new Error(`${variable} must be one of ${choices.join(", ")}, not "${choice}"`);
  return choice as "auto" | "native" | P;
}

/**
 * Native when it loaded (auto or native), else the portable decoder. Asking for native when it did
 * not load is an error that says why, never a silent fallback.
 */
export function chooseBackend<P extends string>(
  variable: string,
  choice: "auto" | "native" | P,
  portable: P,
  nativeLoadError: string | undefined,
): "native" | P {
  if (choice === portable) return portable;
  if (nativeLoadError === undefined) return "native";
  if (choice === "native")
    throw new Error(`${variable}=native, but the native decoder is unavailable: ${nativeLoadError}`);
  return portable;
}

/** The addon this process uses for a codec, or undefined for the portable decoder. */
export function activeNativeAddon<T>(
  variable: string,
  portable: string,
  name: string,
  functions: readonly string[],
): T | undefined {
  const choice = backendChoice(variable, portable, process.env[variable]);
  if (choice === portable) return undefined;
  const loaded = loadNativeAddon<T>(name, functions);
  const backend = chooseBackend(variable, choice, portable, "error" in loaded ? loaded.error : undefined);
  return backend === "native" && "addon" in loaded ? loaded.addon : undefined;
}
