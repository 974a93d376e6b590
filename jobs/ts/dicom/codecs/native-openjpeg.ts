import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isMainThread } from "node:worker_threads";

/** What `codecs/native/openjpeg-addon.c` exports (see the comment at its top). */
export interface NativeOpenJpeg {
  decode(
    codestream: Uint8Array,
    threads: number,
  ): { width: number; height: number; components: number; precision: number; signed: boolean; samples: Uint8Array };
  version(): string;
}

export type Jpeg2000Backend = "native" | "wasm";
const CHOICES = ["auto", "native", "wasm"] as const;
export type Jpeg2000BackendChoice = (typeof CHOICES)[number];

/** Where `npm run setup` (scripts/build-native.sh) puts the addon. */
export const NATIVE_OPENJPEG_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../../build/native/openjpeg.node",
);

/** The choice in MAMMOFLOW_J2K_DECODER (default auto), checked. */
export function jpeg2000BackendChoice(value: string | undefined): Jpeg2000BackendChoice {
  const choice = value === undefined || value === "" ? "auto" : value;
  if (!(CHOICES as readonly string[]).includes(choice)) {
    throw new Error(`MAMMOFLOW_J2K_DECODER must be one of ${CHOICES.join(", ")}, not "${choice}"`);
  }
  return choice as Jpeg2000BackendChoice;
}

/**
 * Which OpenJPEG decodes JPEG 2000: the native build when it loads (same library, about 1.4×
 * faster per core than its WASM build), else WASM. Asking for native when it did not load is an
 * error that says why, never a silent fallback.
 */
export function chooseJpeg2000Backend(choice: Jpeg2000BackendChoice, nativeLoadError: string | undefined): Jpeg2000Backend {
  if (choice === "wasm") return "wasm";
  if (nativeLoadError === undefined) return "native";
  if (choice === "native") {
    throw new Error(`MAMMOFLOW_J2K_DECODER=native, but the native OpenJPEG decoder is unavailable: ${nativeLoadError}`);
  }
  return "wasm";
}

/**
 * OpenJPEG threads per image: all cores on the main thread (one image at a time), one inside a
 * worker thread, where the pool already keeps every core busy. MAMMOFLOW_J2K_THREADS overrides.
 */
export function jpeg2000Threads(override: string | undefined, mainThread: boolean, cores: number): number {
  if (override !== undefined && override !== "") {
    const n = Number(override);
    if (!Number.isInteger(n) || n < 1) throw new Error(`MAMMOFLOW_J2K_THREADS must be a positive integer, not "${override}"`);
    return n;
  }
  return mainThread ? cores : 1;
}

/** Loads an addon file; the reason it did not load is kept for messages. */
export function loadAddon(file: string): { addon: NativeOpenJpeg } | { error: string } {
  if (!existsSync(file)) {
    return { error: `${file} was not built (npm run setup builds it where libopenjp2-7-dev and a C compiler exist)` };
  }
  try {
    // dlopen, not require: only a shared object may stand here, never a script or JSON.
    const module = { exports: {} as Partial<NativeOpenJpeg> };
    process.dlopen(module, file);
    const { decode, version } = module.exports;
    if (typeof decode !== "function" || typeof version !== "function") {
      return { error: `${file} is not mammoflow's OpenJPEG addon (no decode/version functions)` };
    }
    return { addon: module.exports as NativeOpenJpeg };
  } catch (error) {
    return { error: `${file} did not load: ${error instanceof Error ? error.message : String(error)}` };
  }
}

let loaded: ReturnType<typeof loadAddon> | undefined;

/** The addon at NATIVE_OPENJPEG_PATH, loaded once per thread. */
export function loadNativeOpenJpeg(): ReturnType<typeof loadAddon> {
  loaded ??= loadAddon(NATIVE_OPENJPEG_PATH);
  return loaded;
}

/** The decoder this process uses for JPEG 2000, from the environment and what loaded. */
export function activeJpeg2000Decoder(): { backend: "wasm" } | { backend: "native"; addon: NativeOpenJpeg; threads: number } {
  const choice = jpeg2000BackendChoice(process.env.MAMMOFLOW_J2K_DECODER);
  if (choice === "wasm") return { backend: "wasm" };
  const native = loadNativeOpenJpeg();
  const backend = chooseJpeg2000Backend(choice, "error" in native ? native.error : undefined);
  if (backend === "wasm" || "error" in native) return { backend: "wasm" };
  const threads = jpeg2000Threads(process.env.MAMMOFLOW_J2K_THREADS, isMainThread, availableParallelism());
  return { backend: "native", addon: native.addon, threads };
}
