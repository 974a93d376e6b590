import { expect } from "vitest";
import { DicomError, readDicom } from "../../../../jobs/ts/dicom/index.ts";
import { prng } from "../../../support/prng.ts";

type Mutation = (bytes: Uint8Array, random: () => number) => Uint8Array;
const int = (random: () => number, n: number) => Math.floor(random() * n);

const MUTATIONS: Record<string, Mutation> = {
  "flip bits": (b, r) => {
    const out = b.slice();
    for (let k = 1 + int(r, 8); k > 0; k--) {
      const i = int(r, out.length);
      out[i] = (out[i] as number) ^ (1 << int(r, 8));
    }
    return out;
  },
  "overwrite a run": (b, r) => {
    const out = b.slice();
    const at = int(r, out.length);
    for (let k = 0; k < 1 + int(r, 16) && at + k < out.length; k++) out[at + k] = int(r, 256);
    return out;
  },
  "overwrite header bytes": (b, r) => {
    const out = b.slice();
    for (let k = 1 + int(r, 4); k > 0; k--) out[132 + int(r, Math.min(900, out.length - 132))] = int(r, 256);
    return out;
  },
  "length word to extreme": (b, r) => {
    const out = b.slice();
    const at = 132 + 2 * int(r, Math.min(450, (out.length - 136) / 2));
    new DataView(out.buffer).setUint32(at, r() < 0.5 ? 0xffffffff : int(r, 0x10000), true);
    return out;
  },
  truncate: (b, r) => b.slice(0, int(r, b.length)),
  "delete a chunk": (b, r) => {
    const at = int(r, b.length);
    const n = 1 + int(r, 64);
    const out = new Uint8Array(Math.max(0, b.length - n));
    out.set(b.subarray(0, at));
    out.set(b.subarray(Math.min(b.length, at + n)), at);
    return out;
  },
  "duplicate a chunk": (b, r) => {
    const at = int(r, b.length);
    const chunk = b.subarray(at, at + 1 + int(r, 64));
    const out = new Uint8Array(b.length + chunk.length);
    out.set(b.subarray(0, at));
    out.set(chunk, at);
    out.set(b.subarray(at), at + chunk.length);
    return out;
  },
};

/** Decodes `cases` mutations of the seeds: how each ended, and what escaped other than a DicomError. */
export async function fuzz(
  seeds: { name: string; bytes: Uint8Array }[],
  cases: number,
  seedValue: number,
): Promise<{ escaped: string[]; outcomes: Record<string, number> }> {
  const random = prng(seedValue);
  const names = Object.keys(MUTATIONS);
  const escaped: string[] = [];
  const outcomes: Record<string, number> = { decoded: 0 };
  const started = performance.now();
  for (let i = 0; i < cases; i++) {
    const seed = seeds[i % seeds.length] as (typeof seeds)[number];
    const strategy = names[int(random, names.length)] as string;
    const mutated = (MUTATIONS[strategy] as Mutation)(seed.bytes, random);
    try {
      const image = await readDicom(mutated, { frame: 0 });
      expect(image.pixels.length).toBe(image.rows * image.columns * image.format.samplesPerPixel);
      outcomes.decoded = (outcomes.decoded ?? 0) + 1;
    } catch (error) {
      if (error instanceof DicomError && error.message.length > 0) {
        outcomes[error.code] = (outcomes[error.code] ?? 0) + 1;
      } else {
        escaped.push(
          `case ${i} (${strategy} of ${seed.name}): ${String(error instanceof Error ? error.stack : error)}`,
        );
      }
    }
  }
  console.info(`fuzz: ${cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s`, outcomes);
  return { escaped, outcomes };
}
