import { existsSync } from "node:fs";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DECODE_MODES } from "../../../jobs/ts/dicom/batch/decode-modes.ts";
import { decodeOne } from "../../../jobs/ts/dicom/batch/decode-one.ts";
import {
  DicomError,
  detectorTrainingUint8,
  readDicom,
  windowedFloat,
  windowedUint8,
  yoloxInputFloat,
  yoloxInputRows,
  yoloxInputUint8,
} from "../../../jobs/ts/dicom/index.ts";
import { pydicomTestFiles } from "../../parity/support/dicom-fixtures.ts";
import { dicomFile } from "../../support/dicom-builder.ts";

const VALUES = Array.from({ length: 16 }, (_, i) => i * 7);
const ONLY_GRAY = "only MONOCHROME1 and MONOCHROME2 images are converted";

/** Every conversion the pipeline makes from a decoded image. */
const CONVERSIONS: [string, (image: Awaited<ReturnType<typeof readDicom>>) => unknown][] = [
  ["windowedUint8", (i) => windowedUint8(i)],
  ["windowedFloat", (i) => windowedFloat(i)],
  ["yoloxInputFloat", (i) => yoloxInputFloat(i)],
  ["yoloxInputRows", (i) => yoloxInputRows(i)],
  ["yoloxInputUint8", (i) => yoloxInputUint8(i)],
  ["detectorTrainingUint8", (i) => detectorTrainingUint8(i)],
];

function refusal(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof DicomError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("it was converted");
}

describe("only grayscale images are converted to the pipeline's pixels", () => {
  it.each([
    ["PALETTE COLOR", `PhotometricInterpretation PALETTE COLOR is not supported; ${ONLY_GRAY}`],
    ["RGB", `PhotometricInterpretation RGB is not supported; ${ONLY_GRAY}`],
    ["", `the file has no PhotometricInterpretation (0028,0004); ${ONLY_GRAY}`],
  ])(
    "one sample per pixel, PhotometricInterpretation %j: every conversion refuses it",
    async (photometric, message) => {
      const builder = dicomFile().bits(8, 8).pixels(Uint8Array.from(VALUES));
      const image = await readDicom(
        photometric === "" ? builder.remove(0x00280004).build() : builder.photometric(photometric).build(),
      );
      for (const [name, convert] of CONVERSIONS) {
        expect(
          refusal(() => convert(image)),
          name,
        ).toEqual({ code: "unsupported-pixel-format", message });
      }
    },
  );

  it.each(["YBR_FULL", "YBR_FULL_422"])(
    "native %s is refused when read, before any conversion",
    async (photometric) => {
      const file = dicomFile().bits(8, 8).photometric(photometric).pixels(Uint8Array.from(VALUES)).build();
      const subsampled = photometric === "YBR_FULL_422" ? " (chroma-subsampled)" : "";
      await expect(readDicom(file)).rejects.toMatchObject({
        code: "unsupported-pixel-format",
        message: `native ${photometric}${subsampled} pixel data is not supported; it is not a grayscale format`,
      });
    },
  );

  it.each(["MONOCHROME1", "MONOCHROME2"])("%s is converted", async (photometric) => {
    const image = await readDicom(
      dicomFile().bits(8, 8).photometric(photometric).pixels(Uint8Array.from(VALUES)).build(),
    );
    // Min-max ×255 of 0..105 (no window): 0 → 0, 105 → 255; MONOCHROME1 inverts.
    const expected = photometric === "MONOCHROME1" ? [255, 0] : [0, 255];
    const out = windowedUint8(image);
    expect([out[0], out[15]]).toEqual(expected);
  });
});

describe("mammoflow decode's per-file outcome names the file and the PhotometricInterpretation, and writes nothing", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "mammoflow-gray-only-"));
    const files = await pydicomTestFiles();
    const real = (name: string) => files.find((f) => path.basename(f) === name) as string;
    // Real files from pydicom's test data: an 8-bit PALETTE COLOR image, an RGB one, a 1-bit one.
    await copyFile(real("examples_palette.dcm"), path.join(dir, "examples_palette.dcm"));
    await copyFile(real("SC_rgb_rle.dcm"), path.join(dir, "SC_rgb_rle.dcm"));
    await copyFile(real("liver_1frame.dcm"), path.join(dir, "liver_1frame.dcm"));
    await writeFile(path.join(dir, "palette16.dcm"), dicomFile().photometric("PALETTE COLOR").pixels16(VALUES).build());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [
      "examples_palette.dcm",
      `examples_palette.dcm: PhotometricInterpretation PALETTE COLOR is not supported; ${ONLY_GRAY}`,
    ],
    ["palette16.dcm", `palette16.dcm: PhotometricInterpretation PALETTE COLOR is not supported; ${ONLY_GRAY}`],
    ["SC_rgb_rle.dcm", `SC_rgb_rle.dcm: PhotometricInterpretation RGB is not supported; ${ONLY_GRAY}`],
    [
      "liver_1frame.dcm",
      "liver_1frame.dcm: BitsAllocated 1 (bit-packed binary pixels, as segmentations and overlays store them) is not supported; images must have 8, 16 or 32",
    ],
  ])("%s", async (name, error) => {
    for (const mode of DECODE_MODES) {
      const output = path.join(dir, `${name}.${mode}.png`);
      const outcome = await decodeOne({ file: path.join(dir, name), output, mode });
      expect(outcome, mode).toEqual({
        file: path.join(dir, name),
        ok: false,
        phase: "read",
        error,
        code: "unsupported-pixel-format",
      });
      expect(existsSync(output), mode).toBe(false);
    }
  });
});
