import { isMainThread } from "node:worker_threads";
import { cpuBudget } from "../../platform/cpu-budget.ts";
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
 * OpenJPEG threads per image: all cores on the main thread (one image at a time), two inside a
 * worker thread (one on a single core). The pool already keeps every core busy, but not always:
 * a worker whose neighbour has finished (the end of a batch) or waits (reading, writing, other
 * work on the machine) leaves a core that the second thread takes. It costs no measurable CPU
 * time (four 3000×2400 mammograms, 2 J2K + 2 JPEG Lossless, on 2 workers and 2 busy cores: 3.56
 * against 3.53 CPU-s) and took their wall time from 8.0 to 4.6 s under a load of 8–11; GDCM's
 * OpenJPEG, the reference, uses every core in each process. MAMMOFLOW_J2K_THREADS overrides.
 */
export function jpeg2000Threads(override: string | undefined, mainThread: boolean, cores: number): number {
  if (override !== undefined && override !== "") {
    const n = Number(override);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`MAMMOFLOW_J2K_THREADS must be a positive integer, not "${override}"`);
    return n;
  }
  return mainThread ? cores : Math.min(2, cores);
}

/**
 * The JPEG 2000 decoder of this process (MAMMOFLOW_J2K_DECODER = auto | native | wasm): the native
 * OpenJPEG with its thread count, or undefined for the WASM build of the same library, which
 * gives the same bits about 1.4× slower per core.
 */
export function activeNativeOpenJpeg(): { addon: NativeOpenJpeg; threads: number } | undefined {
  const addon = activeNativeAddon<NativeOpenJpeg>("MAMMOFLOW_J2K_DECODER", "wasm", "openjpeg", ["decode", "version"]);
  if (addon === undefined) return undefined;
  return { addon, threads: jpeg2000Threads(process.env.MAMMOFLOW_J2K_THREADS, isMainThread, cpuBudget()) };
}
