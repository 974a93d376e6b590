import { deflateRawSync } from "node:zlib";
import openJpegFactory from "@cornerstonejs/codec-openjpeg/wasmjs";
import { describe, expect, it } from "vitest";
import { DicomError, readDicom, readDicomHeader } from "../../../jobs/ts/dicom/index.ts";
import { concat, dicomFile } from "../../support/dicom-builder.ts";

async function rejection(promise: Promise<unknown>): Promise<DicomError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DicomError);
    return error as DicomError;
  }
  throw new Error("expected a DicomError, but it decoded");
}

/** A lossless J2K codestream of 16-bit unsigned samples, made with OpenJPEG's WASM encoder. */
async function j2k(width: number, height: number, values: number[], bits = 12): Promise<Uint8Array> {
  const codec = await openJpegFactory({ print: () => {}, printErr: () => {} });
  const encoder = new codec.J2KEncoder();
  encoder.setDecompositions(1); // the default 5 levels do not fit a 4×4 image
  const input = encoder.getDecodedBuffer({ width, height, bitsPerSample: bits, componentCount: 1, isSigned: false });
  new Uint16Array(input.buffer, input.byteOffset, values.length).set(values);
  encoder.encode();
  const out = encoder.getEncodedBuffer().slice();
  encoder.delete();
  return out;
}

const RAMP = Array.from({ length: 16 }, (_, i) => i * 200);

describe("readDicom: stored values", () => {
  it("masks unused high bits of unsigned native data (BitsStored 12 of 16)", async () => {
    const file = dicomFile()
      .pixels16([0xf001, 0x0fff, 0xa800, ...RAMP.slice(3)])
      .build();
    const image = await readDicom(file);
    expect(image.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(image.pixels.slice(0, 3))).toEqual([1, 4095, 2048]);
  });

  it("leaves the caller's bytes as they were (native pixel data is copied before masking)", async () => {
    const file = dicomFile()
      .pixels16([0xf001, 0x0fff, 0xa800, ...RAMP.slice(3)])
      .build();
    const before = file.slice();
    await readDicom(file);
    expect(Buffer.from(file).equals(Buffer.from(before))).toBe(true);
  });

  it("sign-extends BitsStored for PixelRepresentation 1", async () => {
    const file = dicomFile()
      .signed()
      .pixels16([0x0fff, 0x0800, 0x07ff, 0xf000, ...RAMP.slice(4)])
      .build();
    const image = await readDicom(file);
    expect(image.pixels).toBeInstanceOf(Int16Array);
    expect(Array.from(image.pixels.slice(0, 4))).toEqual([-1, -2048, 2047, 0]);
  });

  it("reads the header fields the seed uses and the ones it ignores", async () => {
    const file = dicomFile()
      .photometric("MONOCHROME1")
      .window("2047.5\\1800", "4095\\3000.5", "sigmoid")
      .text(0x00281053, "DS", "1.5")
      .text(0x00281052, "DS", "-100")
      .text(0x20500020, "CS", "INVERSE")
      .text(0x00200062, "CS", "L")
      .text(0x00185101, "CS", "MLO")
      .pixels16(RAMP)
      .build();
    const { header } = readDicomHeader(file);
    expect(header).toMatchObject({
      transferSyntaxUid: "1.2.840.10008.1.2.1",
      photometricInterpretation: "MONOCHROME1",
      invert: true,
      windowCenters: [2047.5, 1800],
      windowWidths: [4095, 3000.5],
      voiLutFunction: "SIGMOID",
      rescaleSlope: 1.5,
      rescaleIntercept: -100,
      presentationLutShape: "INVERSE",
      laterality: "L",
      viewPosition: "MLO",
      voiLuts: [],
    });
  });

  it("defaults VOILUTFunction to LINEAR, keeps an empty one empty, and treats unreadable windows as none", () => {
    expect(readDicomHeader(dicomFile().pixels16(RAMP).build()).header.voiLutFunction).toBe("LINEAR");
    expect(readDicomHeader(dicomFile().text(0x00281056, "CS", "").pixels16(RAMP).build()).header.voiLutFunction).toBe(
      "",
    );
    const { header } = readDicomHeader(dicomFile().window("abc", "100").pixels16(RAMP).build());
    expect([header.windowCenters, header.windowWidths]).toEqual([[], []]);
  });

  it("inflates Deflated Explicit VR Little Endian data sets with node:zlib", async () => {
    const plain = dicomFile().pixels16(RAMP).build();
    const deflatedSyntax = dicomFile().transferSyntax("1.2.840.10008.1.2.1.99").pixels16(RAMP).build();
    // The meta group ends where the plain file's first data set element (0008/0028 group) starts.
    const metaEnd = deflatedSyntax.length - (plain.length - metaLength(plain));
    const file = concat([deflatedSyntax.subarray(0, metaEnd), deflateRawSync(deflatedSyntax.subarray(metaEnd))]);
    expect(Array.from((await readDicom(file)).pixels)).toEqual(RAMP);
  });

  it("decodes a J2K frame split over several fragments", async () => {
    const codestream = await j2k(4, 4, RAMP);
    const cut = [codestream.subarray(0, 8), codestream.subarray(8, 40), codestream.subarray(40)];
    const file = dicomFile().transferSyntax("1.2.840.10008.1.2.4.90").encapsulated(cut).build();
    expect(Array.from((await readDicom(file)).pixels)).toEqual(RAMP);
  });

  it("locates frames of a multi-frame image through the basic offset table, and refuses to guess without a frame", async () => {
    const a = await j2k(4, 4, RAMP);
    const b = await j2k(
      4,
      4,
      RAMP.map((v) => 4095 - v),
    );
    const padded = a.length + (a.length % 2);
    const file = dicomFile()
      .frames(2)
      .transferSyntax("1.2.840.10008.1.2.4.90")
      .encapsulated([a, b], [0, padded + 8])
      .build();
    expect(Array.from((await readDicom(file, { frame: 1 })).pixels)).toEqual(RAMP.map((v) => 4095 - v));
    expect((await rejection(readDicom(file))).message).toBe(
      "the image has 2 frames; choose one (frame option) to decode a multi-frame image",
    );
    expect((await rejection(readDicom(file, { frame: 2 }))).message).toBe(
      "frame 2 does not exist: the image has 2 frame(s)",
    );
  });

  it("decodes RLE Lossless (PS3.5 Annex G), both byte planes", async () => {
    const header = new Uint8Array(64);
    const view = new DataView(header.buffer);
    view.setUint32(0, 2, true);
    view.setUint32(4, 64, true);
    view.setUint32(8, 64 + 4, true);
    const high = Uint8Array.from([0xf1, 0x0f, 0, 0]); // run of 16 × 0x0F, then padding
    const low = Uint8Array.from([0x00, 0x01, 0xf2, 0x02]); // literal 1, then run of 15 × 2
    const file = dicomFile()
      .transferSyntax("1.2.840.10008.1.2.5")
      .encapsulated([concat([header, high, low])])
      .build();
    const pixels = Array.from((await readDicom(file)).pixels);
    expect(pixels).toEqual([0x0f01, ...Array(15).fill(0x0f02)]);
  });
});

function metaLength(file: Uint8Array): number {
  const groupLength = new DataView(file.buffer, file.byteOffset).getUint32(132 + 8, true);
  return 132 + 12 + groupLength;
}

describe("readDicom: bad input is a DicomError naming the reason", () => {
  it("garbage", async () => {
    const e = await rejection(readDicom(new Uint8Array(1000).fill(0x41)));
    expect([e.code, e.message]).toEqual(["not-dicom", 'not a DICOM Part-10 file: no "DICM" prefix at byte 128']);
  });

  it("a file shorter than the preamble", async () => {
    const e = await rejection(readDicom(new Uint8Array(10)));
    expect(e.message).toBe('not a DICOM Part-10 file: only 10 bytes, too short for the 128-byte preamble and "DICM"');
  });

  it("a truncated file", async () => {
    const file = dicomFile().pixels16(RAMP).build();
    const e = await rejection(readDicom(file.subarray(0, file.length - 9)));
    expect(e.code).toBe("truncated");
    expect(e.message).toMatch(/^the file is truncated: the data set ends inside an element \(dicomParser/);
  });

  it("pixel data shorter than the header needs", async () => {
    const e = await rejection(readDicom(dicomFile().pixels16(RAMP.slice(0, 5)).build()));
    expect([e.code, e.message]).toEqual([
      "inconsistent-size",
      "pixel data has 10 bytes; 4×4×1 samples at 16 bits × 1 frame(s) need 32",
    ]);
  });

  it("no pixel data", async () => {
    const e = await rejection(readDicom(dicomFile().build()));
    expect([e.code, e.message]).toEqual(["missing-pixel-data", "the file has no PixelData (7FE0,0010)"]);
  });

  it("an unsupported transfer syntax", async () => {
    const e = await rejection(readDicom(dicomFile().transferSyntax("1.2.840.10008.1.2.4.100").pixels16(RAMP).build()));
    expect([e.code, e.message]).toEqual([
      "unsupported-transfer-syntax",
      "transfer syntax 1.2.840.10008.1.2.4.100 is not supported",
    ]);
  });

  it("a zero-length fragment", async () => {
    const codestream = await j2k(4, 4, RAMP);
    const file = dicomFile()
      .transferSyntax("1.2.840.10008.1.2.4.90")
      .encapsulated([codestream, new Uint8Array(0)])
      .build();
    const e = await rejection(readDicom(file));
    expect([e.code, e.message]).toEqual(["empty-fragment", "fragment 2 of the pixel data is empty"]);
  });

  it("a codestream whose size disagrees with Rows/Columns", async () => {
    const codestream = await j2k(4, 4, RAMP);
    const file = dicomFile().rows(8).transferSyntax("1.2.840.10008.1.2.4.90").encapsulated([codestream]).build();
    const e = await rejection(readDicom(file));
    expect([e.code, e.message]).toEqual([
      "inconsistent-size",
      "jpeg2000 codestream is 4×4 with 1 component(s), the DICOM header says 8×4 with 1",
    ]);
  });

  it("a truncated codestream (openjpeg itself would return nothing without an error)", async () => {
    const codestream = await j2k(4, 4, RAMP);
    const file = dicomFile()
      .transferSyntax("1.2.840.10008.1.2.4.90")
      .encapsulated([codestream.subarray(0, codestream.length - 20)])
      .build();
    const e = await rejection(readDicom(file));
    expect([e.code, e.message]).toEqual([
      "truncated",
      "codestream has no end marker (FFD9): the pixel data is truncated",
    ]);
  });

  it("huge declared dimensions are refused before anything is allocated", async () => {
    const file = dicomFile().rows(65535).columns(65535).bits(32, 32).pixels16(RAMP).build();
    const e = await rejection(readDicom(file));
    expect([e.code, e.message]).toEqual([
      "too-large",
      "declared frame of 65535×65535×1 samples at 32 bits needs 17179344900 bytes, over the limit of 536870912",
    ]);
  });

  it("other BitsAllocated", async () => {
    const e = await rejection(readDicom(dicomFile().bits(12, 12).pixels16(RAMP).build()));
    expect([e.code, e.message]).toEqual([
      "unsupported-pixel-format",
      "BitsAllocated 12 is not supported (8, 16 or 32)",
    ]);
  });

  it("1-bit images", async () => {
    const e = await rejection(readDicom(dicomFile().bits(1, 1).pixels16(RAMP).build()));
    expect([e.code, e.message]).toEqual([
      "unsupported-pixel-format",
      "BitsAllocated 1 (bit-packed binary pixels, as segmentations and overlays store them) is not supported; images must have 8, 16 or 32",
    ]);
  });
});
