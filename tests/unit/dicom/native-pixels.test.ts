// The native pixel kernels (jobs/ts/dicom/codecs/native/pixels-addon.c) against their JavaScript
// twins and against zlib's inflater: the same bytes, on crafted images that reach the corners of
// the Huffman coder (one symbol, every symbol, code lengths that must be limited to 15 bits).
import { inflateSync } from "node:zlib";
import { decode as decodePng } from "fast-png";
import { afterEach, describe, expect, it } from "vitest";
import { encodeGrayPng, upFilteredRows } from "../../../jobs/ts/dicom/batch/gray-png.ts";
import { loadNativeAddon } from "../../../jobs/ts/dicom/codecs/native-addons.ts";
import {
  activeNativePixels,
  NATIVE_PIXEL_KERNEL_MIN_LENGTH,
  type NativePixels,
} from "../../../jobs/ts/dicom/codecs/native-pixels.ts";
import { mapInt16ToUint8 } from "../../../jobs/ts/dicom/convert/map-int16.ts";
import { minMax } from "../../../jobs/ts/dicom/convert/seed-int16.ts";
import { prng } from "../../support/prng.ts";

const FUNCTIONS = ["minMaxInt16", "lookupInt16", "deflateUpRows", "keepLowBitsUint16", "retainFreedMemory", "version"];

// npm run setup builds the addon (it needs only a C compiler and Node's headers): these tests hold
// that it did, so that the conversions and decode's PNGs run the native kernels here.
function addon(): Required<NativePixels> {
  const result = loadNativeAddon<Required<NativePixels>>("pixels", FUNCTIONS);
  if ("error" in result) throw new Error(result.error);
  return result.addon;
}

/** Inflates a deflateUpRows stream (zlib checks the Adler-32) and compares it with the JavaScript filter. */
function expectSameRows(pixels: Uint8Array, rows: number, columns: number): Uint8Array {
  const stream = addon().deflateUpRows(pixels, rows, columns);
  expect([stream[0], stream[1]]).toEqual([0x78, 0x01]); // deflate, 32 KiB window; FLEVEL 0 (fastest)
  const inflated = inflateSync(stream);
  expect(Buffer.from(inflated).equals(Buffer.from(upFilteredRows(pixels, rows, columns)))).toBe(true);
  return stream;
}

function randomBytes(length: number, seed: number, modulo = 256): Uint8Array {
  const next = prng(seed);
  return Uint8Array.from({ length }, () => Math.floor(next() * modulo));
}

describe("the native pixel kernels' addon", () => {
  it("is built and loads", () => {
    expect(addon().version()).toBe("mammoflow pixel kernels 1");
  });
});

describe("keepLowBitsUint16", () => {
  it("keeps the low bits of every value in place, as the JavaScript mask does, and refuses other bit counts", () => {
    const values = Uint16Array.from(randomBytes(70_001 * 2, 7), (_, i) => (i * 40_503) & 0xffff).subarray(0, 70_001);
    for (const bits of [1, 12, 14, 15]) {
      const copy = values.slice();
      addon().keepLowBitsUint16(copy, bits);
      expect(Buffer.from(copy.buffer).equals(Buffer.from(values.map((v) => v & ((1 << bits) - 1)).buffer))).toBe(true);
    }
    for (const bits of [0, 16, 12.5]) {
      expect(() => addon().keepLowBitsUint16(values.slice(), bits)).toThrow("bits must be an integer from 1 to 15");
    }
    expect(() => addon().keepLowBitsUint16(new Int16Array(4) as unknown as Uint16Array, 12)).toThrow(
      "values must be a Uint16Array",
    );
  });
});

describe("retainFreedMemory", () => {
  it("sets glibc's thresholds (this machine's libc) and refuses a byte count that is not one", () => {
    expect(addon().retainFreedMemory(64 * 2 ** 20)).toBe(true);
    for (const bad of [-1, Number.NaN, 2 ** 31]) {
      expect(() => addon().retainFreedMemory(bad)).toThrow(
        "retainFreedMemory(bytes) needs a byte count from 0 to 2^31 - 1",
      );
    }
  });
});

describe("deflateUpRows", () => {
  it("codes the Up-filtered rows of images of every shape, one row to many blocks", () => {
    for (const [rows, columns] of [
      [1, 1],
      [1, 7],
      [9, 1],
      [2, 3],
      [37, 53],
      [300, 240],
      [11, 32767], // one row per block, the largest that fits
      [3, 40000], // rows longer than a block
    ] as const) {
      expectSameRows(randomBytes(rows * columns, rows * 1000 + columns, 17), rows, columns);
    }
  });

  it("codes an image of one value (two literals in all) and one of uniform noise (all 256)", () => {
    expectSameRows(new Uint8Array(400 * 300), 400, 300);
    expectSameRows(new Uint8Array(400 * 300).fill(200), 400, 300);
    const noise = expectSameRows(randomBytes(400 * 300, 7), 400, 300);
    // Noise does not compress: 8 bits a byte and the blocks' headers, no more.
    expect(noise.length).toBeLessThan(400 * 301 * 1.01);
  });

  it("limits code lengths to 15 bits where Huffman's tree is deeper (Fibonacci frequencies)", () => {
    // Byte k occurs fib(k) times in one row: an unlimited Huffman code would be 20 levels deep.
    const fib = [1, 1];
    while (fib.length < 21) fib.push((fib.at(-1) as number) + (fib.at(-2) as number));
    const row = Uint8Array.from(fib.flatMap((count, value) => Array<number>(count).fill(value)));
    expect(row.length).toBeLessThan(32767);
    // Shuffled so that the order of bytes is not the order of their frequencies.
    const next = prng(99);
    for (let i = row.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [row[i], row[j]] = [row[j] as number, row[i] as number];
    }
    expectSameRows(row, 1, row.length);
  });

  it("starts each block's data with its header's pending bits written out (long codes right after a header)", () => {
    // One row per block (32,768 columns), each row's residuals 10..27 with Fibonacci counts and
    // the rarest first: the filter byte and the first residuals have codes of 13–15 bits right
    // after a header that leaves up to 31 bits pending. Found by review: the stream was corrupt.
    const columns = 32768;
    const fib = [1, 1];
    while (fib.length < 18) fib.push((fib.at(-1) as number) + (fib.at(-2) as number));
    const scale = columns / fib.reduce((a, b) => a + b);
    const residuals: number[] = [];
    for (let i = fib.length - 1; i >= 0; i--) {
      for (let k = Math.max(1, Math.round((fib[i] as number) * scale)); k > 0; k--) residuals.push(10 + i);
    }
    residuals.reverse();
    for (const rows of [1, 2, 3]) {
      const pixels = new Uint8Array(rows * columns);
      for (let i = 0; i < pixels.length; i++) {
        const above = i >= columns ? (pixels[i - columns] as number) : 0;
        pixels[i] = ((residuals[(i % columns) % residuals.length] as number) + above) & 0xff;
      }
      expectSameRows(pixels, rows, columns);
    }
    // And every block size from one row of a narrow image up, with the rarest residuals first.
    for (const columns of [100, 300, 1000, 4000]) {
      const rows = 40;
      const pixels = new Uint8Array(rows * columns);
      const next = prng(columns);
      for (let i = 0; i < pixels.length; i++) {
        const residual = i % columns < 3 ? 200 + Math.floor(next() * 50) : Math.floor(next() * 4);
        pixels[i] = (residual + (i >= columns ? (pixels[i - columns] as number) : 0)) & 0xff;
      }
      expectSameRows(pixels, rows, columns);
    }
  });

  it("refuses a size that does not match the pixels", () => {
    expect(() => addon().deflateUpRows(new Uint8Array(5), 2, 3)).toThrow(
      "rows and columns must be positive integers and their product the pixel count",
    );
    expect(() => addon().deflateUpRows(new Uint8Array(6), 2, 3.9)).toThrow(
      "rows and columns must be positive integers",
    );
    expect(() => addon().deflateUpRows(new Uint8Array(0), 0, 0)).toThrow("rows and columns must be positive");
    expect(() => (addon().deflateUpRows as (a: unknown, r: number, c: number) => unknown)([1], 1, 1)).toThrow(
      "pixels must be a Uint8Array",
    );
  });
});

describe("minMaxInt16 and lookupInt16", () => {
  it("give JavaScript's minimum and maximum, at any length and at int16's ends", () => {
    for (const length of [1, 15, 16, 17, 33, 1000]) {
      const next = prng(length);
      const values = Int16Array.from({ length }, () => Math.floor(next() * 65536) - 32768);
      expect(addon().minMaxInt16(values)).toEqual(minMaxOf(values));
    }
    expect(addon().minMaxInt16(Int16Array.of(-32768, 32767, 0))).toEqual({ min: -32768, max: 32767 });
    expect(addon().minMaxInt16(new Int16Array(40).fill(-5))).toEqual({ min: -5, max: -5 });
    expect(() => addon().minMaxInt16(new Int16Array(0))).toThrow("values must not be empty");
    expect(() => addon().minMaxInt16(new Uint16Array(4) as unknown as Int16Array)).toThrow(
      "values must be an Int16Array",
    );
  });

  it("look every value up in the table from min, and refuse a value outside it", () => {
    const values = Int16Array.of(-3, 0, 4, -3, 2);
    const table = Uint8Array.of(10, 11, 12, 13, 14, 15, 16, 17);
    expect([...addon().lookupInt16(values, -3, table)]).toEqual([10, 13, 17, 10, 15]);
    expect(() => addon().lookupInt16(values, -2, table)).toThrow("a value lies outside the lookup table's range");
    expect(() => addon().lookupInt16(values, -3, table.subarray(0, 7))).toThrow(
      "a value lies outside the lookup table's range",
    );
    for (const min of [-3.5, 2 ** 32 - 3, -40000, Number.NaN]) {
      expect(() => addon().lookupInt16(values, min, table)).toThrow("min must be an integer in int16's range");
    }
  });
});

function minMaxOf(values: Int16Array): { min: number; max: number } {
  return { min: Math.min(...values), max: Math.max(...values) };
}

describe("MAMMOFLOW_PIXEL_KERNELS", () => {
  const saved = process.env.MAMMOFLOW_PIXEL_KERNELS;
  afterEach(() => {
    if (saved === undefined) delete process.env.MAMMOFLOW_PIXEL_KERNELS;
    else process.env.MAMMOFLOW_PIXEL_KERNELS = saved;
  });

  it("chooses the addon (auto, native) or the JavaScript twins (js), which give the same bytes", async () => {
    const rows = 400;
    const columns = 300;
    expect(rows * columns).toBeGreaterThanOrEqual(NATIVE_PIXEL_KERNEL_MIN_LENGTH);
    const next = prng(3);
    const raw = Int16Array.from({ length: rows * columns }, () => Math.floor(next() * 4096) - 200);
    const render = () => mapInt16ToUint8(raw, (v) => (v * 255) / 4095);
    const outputs: { range: unknown; pixels: Uint8Array; png: Uint8Array }[] = [];
    for (const choice of ["js", "native", "auto"]) {
      process.env.MAMMOFLOW_PIXEL_KERNELS = choice;
      expect(activeNativePixels() === undefined).toBe(choice === "js");
      const pixels = render();
      outputs.push({ range: minMax(raw), pixels, png: await encodeGrayPng(pixels, rows, columns) });
    }
    const [js, native] = outputs as [(typeof outputs)[0], (typeof outputs)[0]];
    expect(native.range).toEqual(js.range);
    expect(Buffer.from(native.pixels).equals(Buffer.from(js.pixels))).toBe(true);
    // The PNG files differ in their block boundaries, not in their pixels.
    for (const { png } of outputs) {
      expect(Buffer.from(decodePng(png).data as Uint8Array).equals(Buffer.from(js.pixels))).toBe(true);
    }
    process.env.MAMMOFLOW_PIXEL_KERNELS = "gpu";
    expect(() => activeNativePixels()).toThrow('MAMMOFLOW_PIXEL_KERNELS must be one of auto, native, js, not "gpu"');
  });
});
