import type { DataSet, Element } from "dicom-parser";
import { DicomError } from "./errors.ts";

/**
 * The codestream of one frame of encapsulated pixel data (PS3.5 §A.4): the concatenation of the
 * fragments that belong to it. A single-frame image owns every fragment (several fragments per
 * frame are allowed, odd lengths too); a frame of a multi-frame image is located through the
 * basic offset table, or one fragment per frame when the table is empty.
 */
export function encapsulatedFrame(
  ds: DataSet,
  element: Element,
  frameIndex: number,
  numberOfFrames: number,
): Uint8Array {
  const fragments = element.fragments ?? [];
  if (fragments.length === 0) throw new DicomError("missing-pixel-data", "encapsulated pixel data has no fragments");
  const bytes = ds.byteArray;
  for (const [i, f] of fragments.entries()) {
    if (f.length === 0) throw new DicomError("empty-fragment", `fragment ${i + 1} of the pixel data is empty`);
    if (f.position + f.length > bytes.length) {
      throw new DicomError(
        "truncated",
        `fragment ${i + 1} of the pixel data declares ${f.length} bytes but the file ends ${f.position + f.length - bytes.length} bytes early`,
      );
    }
  }
  const chosen = fragmentsOfFrame(element, frameIndex, numberOfFrames);
  if (chosen.length === 1) {
    const f = chosen[0] as (typeof chosen)[number];
    return bytes.subarray(f.position, f.position + f.length);
  }
  const total = chosen.reduce((sum, f) => sum + f.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of chosen) {
    out.set(bytes.subarray(f.position, f.position + f.length), at);
    at += f.length;
  }
  return out;
}

function fragmentsOfFrame(element: Element, frameIndex: number, numberOfFrames: number) {
  const fragments = element.fragments ?? [];
  if (numberOfFrames === 1) return fragments;
  const table = element.basicOffsetTable ?? [];
  if (table.length > 0) {
    if (table.length !== numberOfFrames) {
      throw new DicomError(
        "inconsistent-size",
        `basic offset table has ${table.length} entries for ${numberOfFrames} frames`,
      );
    }
    const start = table[frameIndex] as number;
    const end = frameIndex + 1 < table.length ? (table[frameIndex + 1] as number) : Number.POSITIVE_INFINITY;
    const chosen = fragments.filter((f) => f.offset >= start && f.offset < end);
    if (chosen.length === 0 || chosen[0]?.offset !== start) {
      throw new DicomError(
        "inconsistent-size",
        `basic offset table entry ${start} of frame ${frameIndex} starts no fragment`,
      );
    }
    return chosen;
  }
  if (fragments.length === numberOfFrames) return [fragments[frameIndex] as (typeof fragments)[number]];
  throw new DicomError(
    "unsupported-pixel-format",
    `cannot locate frame ${frameIndex}: no basic offset table and ${fragments.length} fragments for ${numberOfFrames} frames`,
  );
}
