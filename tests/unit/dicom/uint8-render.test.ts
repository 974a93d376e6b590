// windowedUint8 and yoloxInputUint8 compute straight to 8 bits (one uint8 table over [min, max],
// no float image, no int16 copy of uint16 pixels). They must give exactly the bytes of the float
// path truncated afterwards, which is what the seed does and what the parity tests compare.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type DicomImage,
  type PixelConversionOptions,
  readDicom,
  toSeedInt16,
  truncateToUint8,
  windowedFloat,
  windowedUint8,
  yoloxInputFloat,
  yoloxInputUint8,
} from "../../../jobs/ts/dicom/index.ts";
import { generatedStudies, pydicomTestFiles } from "../../parity/support/dicom-fixtures.ts";
import { dicomFile } from "../../support/dicom-builder.ts";

const OPTION_SETS: Partial<PixelConversionOptions>[] = [
  {},
  { windowParamPrecision: "Float16ForDaliSyntaxes" },
  { windowIndex: 1 },
  { applyRescale: true },
  { applyVoiLutSequence: true },
];

/** The old render: the float image, then `truncateToUint8`. */
const floatThenTruncate = (image: DicomImage, options: Partial<PixelConversionOptions>, box?: Box) =>
  truncateToUint8(windowedFloat(image, options, box));

type Box = { x0: number; y0: number; x1: number; y1: number };

/** Same outcome both ways: equal bytes, or the same error. */
function expectSame(actual: () => Uint8Array, expected: () => Uint8Array, what: string) {
  let want: Uint8Array | Error;
  try {
    want = expected();
  } catch (error) {
    want = error as Error;
  }
  if (want instanceof Error) {
    expect(actual, what).toThrow(want.message);
    return;
  }
  const got = actual();
  expect(got.length, what).toBe(want.length);
  expect(Buffer.from(got).equals(Buffer.from(want)), what).toBe(true);
}

function checkImage(image: DicomImage, name: string) {
  for (const options of OPTION_SETS) {
    expectSame(
      () => windowedUint8(image, options),
      () => floatThenTruncate(image, options),
      `${name} ${JSON.stringify(options)}`,
    );
  }
  const box = {
    x0: Math.floor(image.columns / 4),
    y0: Math.floor(image.rows / 3),
    x1: image.columns - 1,
    y1: image.rows - 2,
  };
  expectSame(
    () => windowedUint8(image, {}, box),
    () => floatThenTruncate(image, {}, box),
    `${name} crop`,
  );
  expectSame(
    () => yoloxInputUint8(image),
    () => truncateToUint8(yoloxInputFloat(image)),
    `${name} yolox`,
  );
}

describe("the 8-bit render equals the float render truncated", () => {
  let files: string[] = [];
  beforeAll(async () => {
    const manifest = await generatedStudies();
    const gray = (await pydicomTestFiles()).filter((f) =>
      /^(CT_small|MR_small|JPEG2000|693_J2KI|J2K_pixelrep|rtdose_1frame|MR2_J2KI)\.dcm$/.test(path.basename(f)),
    );
    files = [...manifest.files.filter((f) => !f.frames).map((f) => path.join(manifest.dir, f.file)), ...gray];
  }, 600_000);

  it("on every single-frame parity fixture, for every option set, a crop and the YOLOX input", async () => {
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) checkImage(await readDicom(new Uint8Array(readFileSync(file))), path.basename(file));
  }, 600_000);

  it("on uint16 values ≥ 32768 (int16-wrapped), MONOCHROME1, SIGMOID and LINEAR windows, and a constant image", async () => {
    const wide = Array.from({ length: 48 }, (_, i) => (i * 1409 + 7) % 65536);
    const cases: [string, Uint8Array][] = [
      ["wrap-nowindow", dicomFile().rows(6).columns(8).bits(16, 16).pixels16(wide).build()],
      [
        "wrap-sigmoid-mono1",
        dicomFile()
          .rows(6)
          .columns(8)
          .bits(16, 16)
          .photometric("MONOCHROME1")
          .window([30000, 100], [20000, 50], "SIGMOID")
          .pixels16(wide)
          .build(),
      ],
      [
        "linear",
        dicomFile()
          .rows(6)
          .columns(8)
          .window([1500.5], [2000])
          .pixels16(wide.map((v) => v % 4096))
          .build(),
      ],
      ["constant", dicomFile().rows(6).columns(8).pixels16(new Array(48).fill(77)).build()],
    ];
    for (const [name, bytes] of cases) checkImage(await readDicom(bytes), name);
  });

  it("reads uint16 pixels as int16 through a view of the same bytes, not a copy", async () => {
    const image = await readDicom(dicomFile().rows(1).columns(3).bits(16, 16).pixels16([1, 32768, 65535]).build());
    expect(image.pixels).toBeInstanceOf(Uint16Array);
    const raw = toSeedInt16(image.pixels);
    expect([...raw]).toEqual([1, -32768, -1]);
    expect(raw.buffer).toBe(image.pixels.buffer);
  });
});
