import { describe, expect, it } from "vitest";
import type { PixelFormat } from "../../../jobs/ts/dicom/pixel-format.ts";
import { type DecodedSamples, toStoredValues } from "../../../jobs/ts/dicom/stored-values.ts";

function format(bitsAllocated: 8 | 16 | 32, bitsStored: number, pixelRepresentation: 0 | 1): PixelFormat {
  return {
    rows: 1,
    columns: 7,
    samplesPerPixel: 1,
    bitsAllocated,
    bitsStored,
    highBit: bitsStored - 1,
    pixelRepresentation,
    planarConfiguration: 0,
    numberOfFrames: 1,
    photometricInterpretation: "MONOCHROME2",
  };
}

// 16-bit samples with bits above BitsStored set, an odd count (the word-wise mask has a tail).
const RAW = [0x0fff, 0xf001, 0x1800, 0xffff, 0x0800, 0x7abc, 0x8001];

describe("toStoredValues", () => {
  it("12 of 16 bits, unsigned: the high bits cleared, word-wise and in the tail", () => {
    const stored = toStoredValues(format(16, 12, 0), Uint16Array.from(RAW));
    expect([stored.constructor.name, ...stored]).toEqual([
      "Uint16Array",
      0x0fff,
      0x0001,
      0x0800,
      0x0fff,
      0x0800,
      0x0abc,
      0x0001,
    ]);
  });

  it("12 of 16 bits, signed: sign-extended from bit 11", () => {
    const stored = toStoredValues(format(16, 12, 1), Uint16Array.from(RAW));
    expect([stored.constructor.name, ...stored]).toEqual(["Int16Array", -1, 1, -2048, -1, -2048, -1348, 1]);
  });

  it("a codec's own array becomes the stored values in place, with the values a copy gets", () => {
    for (const pixelRepresentation of [0, 1] as const) {
      const copied = toStoredValues(format(16, 12, pixelRepresentation), Uint16Array.from(RAW));
      const mine = Uint16Array.from(RAW);
      const stored = toStoredValues(format(16, 12, pixelRepresentation), mine, true);
      expect(stored.buffer).toBe(mine.buffer);
      expect([...stored]).toEqual([...copied]);
    }
  });

  it("in place also at a byte offset that is no multiple of 4 (no word-wise mask there)", () => {
    const backing = new Uint16Array(RAW.length + 1);
    const samples = backing.subarray(1);
    samples.set(RAW);
    const stored = toStoredValues(format(16, 12, 0), samples, true);
    expect([stored.byteOffset, ...stored]).toEqual([2, 0x0fff, 0x0001, 0x0800, 0x0fff, 0x0800, 0x0abc, 0x0001]);
  });

  it("samples that are not the caller's to change, or of another width, are copied", () => {
    const notOwned = Uint16Array.from(RAW);
    toStoredValues(format(16, 12, 0), notOwned);
    expect([...notOwned]).toEqual(RAW);
    const eightBit: DecodedSamples = Uint8Array.from([1, 2, 255]);
    const widened = toStoredValues(format(16, 16, 0), eightBit, true);
    expect([widened.constructor.name, widened.buffer === eightBit.buffer, ...widened]).toEqual([
      "Uint16Array",
      false,
      1,
      2,
      255,
    ]);
  });
});
