import { describe, expect, it } from "vitest";
import {
  type DicomHeader,
  minMaxLegacyUint8,
  minMaxScaleInt16,
  minMaxTimes255Int16,
  minMaxTimes255Int16Rows,
  numpyPercentile,
  type PixelConversionOptions,
  percentileMinMaxScale,
  percentileMinMaxUint8,
  pixelConversionOptions,
  roundToFloat16,
  SEED_PIXEL_CONVERSION,
  selectWindow,
  truncateToUint8,
  voiToFloat,
  windowFunction,
} from "../../../jobs/ts/dicom/index.ts";

const f32 = Math.fround;

function header(overrides: Partial<DicomHeader> = {}): DicomHeader {
  return {
    transferSyntaxUid: "1.2.840.10008.1.2.1",
    photometricInterpretation: "MONOCHROME2",
    invert: false,
    windowCenters: [],
    windowWidths: [],
    voiLutFunction: "LINEAR",
    voiLuts: [],
    ...overrides,
  };
}

describe("roundToFloat16 (the DALI path's window parameters, docs/seed-pipeline.md#windowing)", () => {
  it.each([
    [2047.5, 2048],
    [4095, 4096],
    [3000.5, 3000],
    [2049, 2048], // half-way between 2048 and 2050: to even
    [2051, 2052],
    [65519, 65504],
    [65520, Number.POSITIVE_INFINITY],
    [65536, Number.POSITIVE_INFINITY],
    [1 / 3, 0.333251953125],
    [3e-8, 2 ** -24], // the smallest subnormal
    [-1000.3, -1000.5],
    [0, 0],
  ])("%f → %f", (x, expected) => {
    expect(roundToFloat16(x)).toBe(expected);
  });
});

describe("windowFunction (docs/seed-pipeline.md#windowing)", () => {
  it("LINEAR uses c − 0.5 and w − 1 and clamps to [0, 255]", () => {
    const f = windowFunction({ center: 100.5, width: 2, fn: "LINEAR" });
    expect([98, 99, 100, 101, 102].map(f)).toEqual([0, 0, 127.5, 255, 255]);
  });

  it("LINEAR_EXACT uses c and w as given", () => {
    const f = windowFunction({ center: 128, width: 256, fn: "LINEAR_EXACT" });
    expect([-5, 0, 128, 256, 300].map(f)).toEqual([0, 0, 127.5, 255, 255]);
  });

  it("SIGMOID is 127.5 at the centre and open-ended towards 0 and 255", () => {
    const f = windowFunction({ center: 2000, width: 400, fn: "SIGMOID" });
    expect(f(2000)).toBe(127.5);
    expect(f(0)).toBeGreaterThan(0);
    expect(f(0)).toBeLessThan(1e-6);
    expect(f(4000)).toBe(255); // 255 / (1 + e^-20) rounds to 255 in float32
  });

  it("an infinite width (a float16-rounded 65536) gives the constant 127.5 → 127, as the seed's DALI path", () => {
    const f = windowFunction({ center: 32768, width: Number.POSITIVE_INFINITY, fn: "LINEAR" });
    expect(truncateToUint8(Float32Array.from([0, 30000, 65535].map(f)))).toEqual(new Uint8Array([127, 127, 127]));
  });

  it("refuses widths the formulas divide by", () => {
    expect(() => windowFunction({ center: 0, width: 1, fn: "LINEAR" })).toThrow(
      "WindowWidth 1 is too small for LINEAR (needs > 1)",
    );
    expect(() => windowFunction({ center: 0, width: 0, fn: "SIGMOID" })).toThrow("WindowWidth 0 is not positive");
  });
});

describe("selectWindow", () => {
  const h = header({ windowCenters: [3000.5, 1000], windowWidths: [4095, 2000], voiLutFunction: "SIGMOID" });

  it("takes window 0 with float64 parameters by default", () => {
    expect(selectWindow(h, pixelConversionOptions())).toEqual({ center: 3000.5, width: 4095, fn: "SIGMOID" });
  });

  it("rounds to float16 only for the DALI syntaxes (.90, .70) in Float16ForDaliSyntaxes mode", () => {
    const dali = pixelConversionOptions({ windowParamPrecision: "Float16ForDaliSyntaxes" });
    for (const uid of ["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.70"]) {
      expect(selectWindow({ ...h, transferSyntaxUid: uid }, dali)).toEqual({
        center: 3000,
        width: 4096,
        fn: "SIGMOID",
      });
    }
    expect(selectWindow({ ...h, transferSyntaxUid: "1.2.840.10008.1.2.4.80" }, dali)).toEqual({
      center: 3000.5,
      width: 4095,
      fn: "SIGMOID",
    });
  });

  it("takes another window by index, and says so when it does not exist", () => {
    expect(selectWindow(h, pixelConversionOptions({ windowIndex: 1 }))).toEqual({
      center: 1000,
      width: 2000,
      fn: "SIGMOID",
    });
    expect(() => selectWindow(h, pixelConversionOptions({ windowIndex: 2 }))).toThrow(
      "window 2 requested but the file has 2 centre(s) and 2 width(s)",
    );
  });

  it("has no window when either list is empty, and refuses unknown VOI LUT functions as the seed does", () => {
    expect(selectWindow(header(), pixelConversionOptions())).toBeUndefined();
    expect(() => selectWindow({ ...h, voiLutFunction: "" }, pixelConversionOptions())).toThrow(
      'VOILUTFunction "" is not LINEAR, LINEAR_EXACT or SIGMOID',
    );
  });
});

describe("min-max paths", () => {
  it("min_max_scale on int16: true division in float32, ×255, 255 − y for MONOCHROME1", () => {
    const raw = Int16Array.from([10, 11, 12, 13]);
    expect(Array.from(minMaxScaleInt16(raw))).toEqual([0, Math.fround(1 / 3), Math.fround(2 / 3), 1]);
    expect(Array.from(minMaxTimes255Int16(raw, false))).toEqual([0, 85, 170, 255]);
    expect(Array.from(minMaxTimes255Int16(raw, true))).toEqual([255, 170, 85, 0]);
  });

  it("a constant image is all zeros", () => {
    expect(Array.from(minMaxTimes255Int16(Int16Array.from([7, 7, 7]), false))).toEqual([0, 0, 0]);
    expect(Array.from(minMaxLegacyUint8(Uint16Array.from([7, 7]), true))).toEqual([0, 0]);
  });

  it("wraps int16 subtraction like the seed's tensor, and the uint8 cast wraps like x86", () => {
    // max − min = 60000 wraps to −5536; the middle value lands far outside [0, 255].
    const y = minMaxTimes255Int16(Int16Array.from([-30000, 0, 30000]), false);
    expect(Array.from(truncateToUint8(y))).toEqual([0, 155, 255]);
  });

  it("path C: float64 min-max on the stored dtype, 1 − v for MONOCHROME1", () => {
    expect(Array.from(minMaxLegacyUint8(Uint16Array.from([0, 1, 2, 3]), false))).toEqual([0, 85, 170, 255]);
    expect(Array.from(minMaxLegacyUint8(Uint16Array.from([0, 1, 2, 3]), true))).toEqual([255, 170, 85, 0]);
  });
});

describe("percentile min-max (path D)", () => {
  it("reproduces np.percentile's linear interpolation", () => {
    expect(
      numpyPercentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        99,
      ),
    ).toBe(99.01);
    expect(numpyPercentile([5, 1, 9, 3, 7], 99)).toBe(8.92);
    expect(
      numpyPercentile(
        Array.from({ length: 10 }, (_, i) => i),
        37.5,
      ),
    ).toBe(3.375);
  });

  it("scales with hi = p99 − 1 and clips", () => {
    const out = percentileMinMaxUint8(Uint16Array.from({ length: 100 }, (_, i) => i + 1));
    expect([0, 1, 50, 97, 98, 99].map((i) => out[i])).toEqual([0, 2, 131, 254, 255, 255]);
  });

  it("clips when hi == lo too, as the seed's np.clip after either branch (0 at the minimum, 255 above)", () => {
    // p99 of 980 × 5, 11 × 6, 9 × 200 is 6, so hi = p99 − 1 = 5 = lo: the seed leaves x − lo
    // unscaled and clips it to [0, 1] (NumPy: 980 × 0 and 20 × 255, for uint8 and uint16 input).
    const values = [...Array(980).fill(5), ...Array(11).fill(6), ...Array(9).fill(200)];
    for (const input of [Uint8Array.from(values), Uint16Array.from(values)]) {
      expect(numpyPercentile(input, 99)).toBe(6);
      expect(Array.from(percentileMinMaxScale(input)).filter((v) => v === 1)).toHaveLength(20);
      const out = percentileMinMaxUint8(input);
      expect([out[0], out[979], out[980], out[990], out[991], out[999]]).toEqual([0, 0, 255, 255, 255, 255]);
    }
  });
});

describe("voiToFloat options the seed does not use", () => {
  it("applyRescale windows slope·x + intercept instead of x", () => {
    const h = header({ windowCenters: [100], windowWidths: [100], voiLutFunction: "LINEAR_EXACT" });
    const raw = Int16Array.from([50, 100]);
    expect(Array.from(voiToFloat(raw, h, pixelConversionOptions()))).toEqual([0, 127.5]);
    const rescaled = { ...h, rescaleSlope: 2, rescaleIntercept: -100 };
    expect(Array.from(voiToFloat(raw, rescaled, pixelConversionOptions({ applyRescale: true })))).toEqual([0, 127.5]);
    expect(
      Array.from(voiToFloat(Int16Array.from([75]), rescaled, pixelConversionOptions({ applyRescale: true }))),
    ).toEqual([0]);
  });

  it("applyVoiLutSequence maps through the LUT and scales its bit depth to 0..255", () => {
    const lut = { entries: 3, firstMapped: 10, bits: 8, data: Uint16Array.from([0, 51, 255]) };
    const h = header({ voiLuts: [lut], invert: true });
    const out = voiToFloat(
      Int16Array.from([0, 10, 11, 12, 99]),
      h,
      pixelConversionOptions({ applyVoiLutSequence: true }),
    );
    expect(Array.from(out)).toEqual([255, 255, 204, 0, 0]);
  });
});

describe("the API's PixelConversion and the stage options are one shape", () => {
  it("PixelConversion's defaults are the seed's options", async () => {
    const { PixelConversion } = await import("../../../jobs/contract/parameters/pixels.ts");
    const fromApi: PixelConversionOptions = PixelConversion.parse({});
    expect(fromApi).toEqual(SEED_PIXEL_CONVERSION);
  });
});

describe("minMaxTimes255Int16Rows (the YOLOX input a row at a time)", () => {
  const rows = (raw: Int16Array, columns: number, invert: boolean) => {
    const rowAt = minMaxTimes255Int16Rows(raw, columns, invert);
    return Array.from({ length: raw.length / columns }, (_, y) => Array.from(rowAt(y))).flat();
  };

  it("gives minMaxTimes255Int16's values row by row, inverted or not, wrapping int16 spans", () => {
    const raw = Int16Array.from([-32768, -5, 0, 7, 4095, 32767, 100, 100, -1]);
    for (const invert of [false, true]) {
      expect(rows(raw, 3, invert)).toEqual(Array.from(minMaxTimes255Int16(raw, invert)));
    }
    expect(rows(Int16Array.from([0, 255, 4095, 2047]), 2, false)).toEqual([
      0,
      f32(f32(255 / 4095) * 255),
      255,
      f32(f32(2047 / 4095) * 255),
    ]);
  });

  it("maps a constant image to 0, or 255 inverted, as the full image", () => {
    const flat = new Int16Array(6).fill(812);
    expect(rows(flat, 3, false)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(rows(flat, 2, true)).toEqual([255, 255, 255, 255, 255, 255]);
  });
});
