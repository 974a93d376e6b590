import { isMainThread } from "node:worker_threads";
import { cpuBudget } from "../../platform/cpu-budget.ts";
import { poolSizeOfThisThread } from "../../platform/pool-size.ts";
import { activeNativeAddon } from "./native-addons.ts";

/** What `codecs/native/openjpeg-addon.c` exports (see the comment at its top). */
export interface NativeOpenJpeg {
  decode(
    codestream: Uint8Array,
    threads: number,
    expectedSamples: number,
  ): Required<CodecFrameInfo> & { samples: Uint8Array };
  version(): string;
}

/**
 * OpenJPEG threads per image: all cores on the main thread (one image at a time); in a pool's
 * worker thread its share of them, cores / pool size, at least one, so that a pool never runs
 * more decoding threads than there are cores. Until 2026-12 a worker took two: on an idle 2-core
 * machine four mammograms (2 J2K + 2 JPEG Lossless) on 2 workers then made 9,000-11,000 context
 * switches instead of 1,700-1,900 and took 1.21 s instead of 1.15 (median of 15); two threads only
 * paid where other processes competed for the cores (they take a larger share of them), and a
 * pod's CPU limit throttles that. MAMMOFLOW_J2K_THREADS overrides.
 */
export function jpeg2000Threads(
  override: string | undefined,
  mainThread: boolean,
  cores: number,
  poolSize: number | undefined,
): number {
  if (override !== undefined && override !== "") {
    const n = Number(override);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`MAMMOFLOW_J2K_THREADS must be a positive integer, not "${override}"`);
    return n;
  }
  if (mainThread) return cores;
  return Math.max(1, Math.floor(cores / (poolSize ?? cores)));
}

/**
 * The JPEG 2000 decoder of this process (MAMMOFLOW_J2K_DECODER = auto | native | wasm): the native
 * OpenJPEG with its thread count, or undefined for the WASM build of the same library, which
 * gives the same bits about 1.4× slower per core.
 */
export function activeNativeOpenJpeg(): { addon: NativeOpenJpeg; threads: number } | undefined {
  const addon = activeNativeAddon<NativeOpenJpeg>("MAMMOFLOW_J2K_DECODER", "wasm", "openjpeg", ["decode", "version"]);
  if (addon === undefined) return undefined;
  return {
    addon,
    threads: jpeg2000Threads(process.env.MAMMOFLOW_J2K_THREADS, isMainThread, cpuBudget(), poolSizeOfThisThread()),
  };
}
