import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type DicomImage,
  detectorTrainingUint8,
  percentileMinMaxUint8,
  readDicom,
  windowedUint8,
  yoloxInputFloat,
} from "../../jobs/ts/dicom/index.ts";
import { bytesOf, GENERATED_DIR, generatedStudies, pydicomTestFiles, runReference } from "./support/dicom-fixtures.ts";

/**
 * The syntaxes whose images the seed decoded with DALI at test time, where the window travels as
 * float16: JPEG 2000 lossless-only and JPEG Lossless SV1 (docs/seed-pipeline.md#transfer-syntaxes; submit.py routes
 * only these two to `decode_crop_save_dali`). Written here, not imported, so that a wrong list in
 * the code makes this test fail.
 */
const SEED_DALI_SYNTAXES = new Set(["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.70"]);

interface ConversionReference {
  file: string;
  outputs?: Record<string, string>;
  error?: string;
}

/** The TypeScript side of each output of tests/parity/reference/seed_conversions.py. */
function convert(image: DicomImage, output: string): ArrayBufferView {
  switch (output) {
    case "yolox_f32":
      return yoloxInputFloat(image);
    case "window_u8":
      return windowedUint8(image);
    case "window_f16_u8":
      return windowedUint8(image, { windowParamPrecision: "Float16ForDaliSyntaxes" });
    case "window1_u8":
      return windowedUint8(image, { windowIndex: 1 });
    case "rescale_u8":
      return windowedUint8(image, { applyRescale: true });
    case "voilut_u8":
      return windowedUint8(image, { applyVoiLutSequence: true });
    case "minmax_u8":
      return detectorTrainingUint8(image);
    case "percentile_u8":
      return percentileMinMaxUint8(image.pixels);
    default:
      throw new Error(`unknown output ${output}`);
  }
}

interface Mismatch {
  file: string;
  output: string;
  differing: number;
  maxDiff: number;
}

describe("the seed's conversions (docs/seed-pipeline.md#windowing) equal an independent NumPy implementation", () => {
  let files: string[] = [];
  let references: ConversionReference[] = [];
  beforeAll(async () => {
    const manifest = await generatedStudies();
    const gray = (await pydicomTestFiles()).filter((f) =>
      /^(CT_small|MR_small|JPEG2000|693_J2KI|J2K_pixelrep|JPEGLSNearLossless_16|rtdose_1frame|rtdose_rle_1frame|rtdose_expb_1frame)(_[a-z0-9_]+)?\.dcm$/.test(
        path.basename(f),
      ),
    );
    files = [...manifest.files.filter((f) => !f.frames).map((f) => path.join(manifest.dir, f.file)), ...gray];
    references = await runReference<ConversionReference>(
      "seed_conversions.py",
      path.join(GENERATED_DIR, "ref-convert"),
      files,
    );
  }, 600_000);

  it("every output of every file: bytes identical (SIGMOID windows: ≤ 1 level on < 0.01 % of pixels)", async () => {
    expect(references.length).toBe(files.length);
    expect(references.filter((r) => r.error)).toEqual([]);
    const mismatches: Mismatch[] = [];
    const counts: Record<string, number> = {};
    let sigmoidDiffering = 0;
    let sigmoidPixels = 0;
    for (const reference of references) {
      const image = await readDicom(new Uint8Array(readFileSync(reference.file)));
      const sigmoid = image.header.voiLutFunction === "SIGMOID" && image.header.windowCenters.length > 0;
      for (const [output, bin] of Object.entries(reference.outputs ?? {})) {
        // The float16 window applies only to the syntaxes the seed sent through DALI; elsewhere it is the float64 one.
        const expectedBin =
          output === "window_f16_u8" && !SEED_DALI_SYNTAXES.has(image.transferSyntax.uid)
            ? (reference.outputs?.window_u8 as string)
            : bin;
        const expected = readFileSync(expectedBin);
        const actual = bytesOf(convert(image, output));
        counts[output] = (counts[output] ?? 0) + 1;
        if (actual.equals(expected)) continue;
        let differing = 0;
        let maxDiff = 0;
        const isFloat = output.endsWith("f32");
        const a = isFloat ? new Float32Array(actual.buffer, actual.byteOffset, actual.length / 4) : actual;
        const e = isFloat ? new Float32Array(expected.buffer, expected.byteOffset, expected.length / 4) : expected;
        for (let i = 0; i < Math.max(a.length, e.length); i++) {
          const d = Math.abs((a[i] ?? Number.NaN) - (e[i] ?? Number.NaN));
          if (d !== 0) {
            differing++;
            maxDiff = Math.max(maxDiff, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
          }
        }
        const windowed = output.startsWith("window") || output === "rescale_u8";
        if (sigmoid && windowed && maxDiff <= 1 && a.length === e.length) {
          sigmoidDiffering += differing;
          sigmoidPixels += a.length;
          continue;
        }
        mismatches.push({ file: path.basename(reference.file), output, differing, maxDiff });
      }
      if (sigmoid) sigmoidPixels += image.rows * image.columns;
    }
    console.info(`SIGMOID windows: ${sigmoidDiffering} of ${sigmoidPixels} pixels differ by one level`, counts);
    expect(mismatches).toEqual([]);
    expect(sigmoidDiffering / Math.max(1, sigmoidPixels)).toBeLessThan(1e-4);
    // Every output was exercised on many files, so the comparison cannot pass vacuously.
    for (const output of ["yolox_f32", "window_u8", "window_f16_u8", "minmax_u8", "percentile_u8"]) {
      expect(counts[output]).toBeGreaterThanOrEqual(100);
    }
    for (const output of ["window1_u8", "rescale_u8", "voilut_u8"]) expect(counts[output]).toBeGreaterThanOrEqual(10);
  }, 600_000);
});
