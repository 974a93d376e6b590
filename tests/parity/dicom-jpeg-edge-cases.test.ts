import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { DicomError, readDicom } from "../../jobs/ts/dicom/index.ts";
import { prng } from "../support/prng.ts";
import { bytesOf, GENERATED_DIR, PYTHON, pydicomTestFiles, REPO_ROOT, runReference } from "./support/dicom-fixtures.ts";

const execFileAsync = promisify(execFile);
const MAKE = path.join(REPO_ROOT, "tests/parity/reference/make_small_jpeg.py");
const RESTARTS = path.join(REPO_ROOT, "tests/parity/reference/encode_lossless_restarts.py");

/** Files a reference script writes into GENERATED_DIR/name (rewritten each run: a few seconds). */
async function written(script: string, name: string, args: string[]): Promise<string> {
  const dir = path.join(GENERATED_DIR, name);
  await rm(dir, { recursive: true, force: true });
  await execFileAsync(PYTHON, [script, dir, ...args]);
  return dir;
}

/** GDCM-written files of make_small_jpeg.py. */
function gdcmWritten(name: string, syntax: string, count: number, bits: number): Promise<string> {
  return written(MAKE, name, [syntax, String(count), String(bits)]);
}

function dicomFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".dcm"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Stored values or the DicomError code and message, with the JPEG Lossless decoder given. */
async function decodeWith(file: string, decoder: "js" | "native"): Promise<Buffer | string> {
  process.env.MAMMOFLOW_JPEG_LOSSLESS_DECODER = decoder;
  try {
    return bytesOf((await readDicom(new Uint8Array(readFileSync(file)))).pixels);
  } catch (error) {
    return error instanceof DicomError ? `${error.code}: ${error.message}` : String(error);
  }
}

afterEach(() => {
  delete process.env.MAMMOFLOW_JPEG_LOSSLESS_DECODER;
});

// jpeg-lossless-decoder-js dropped the last sample of a stream whose last code ends on a byte
// boundary just before FF D9 (portable-jpeg-lossless.ts); 2 of these 200 streams are such.
describe("JPEG Lossless SV1: the portable decoder decodes every sample the native one does", () => {
  let files: string[] = [];
  beforeAll(async () => {
    files = dicomFilesIn(await gdcmWritten("small-sv1", "JPEGLosslessProcess14_1", 200, 12));
  }, 120_000);

  it("200 GDCM-written 12-bit streams: both decoders give the source pixels", async () => {
    expect(files).toHaveLength(200);
    const wrong: string[] = [];
    for (const file of files) {
      const source = readFileSync(file.replace(/\.dcm$/, ".raw"));
      for (const decoder of ["js", "native"] as const) {
        const decoded = await decodeWith(file, decoder);
        if (typeof decoded === "string" || !decoded.equals(source)) {
          wrong.push(`${path.basename(file)} ${decoder}: ${typeof decoded === "string" ? decoded : "other values"}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});

// No installed encoder writes restart intervals into a lossless stream; encode_lossless_restarts.py
// does (T.81 Annex H). jpeg-lossless-decoder-js decodes 59 of these 200 to wrong values without an
// error, so the portable path refuses them; DCMTK decodes them all.
describe("JPEG Lossless SV1 with restart intervals", () => {
  let files: string[] = [];
  beforeAll(async () => {
    files = dicomFilesIn(await written(RESTARTS, "small-sv1-restarts", ["200"]));
  }, 120_000);

  it("200 streams: the native decoder gives the source pixels, the portable one refuses each, saying why", async () => {
    expect(files).toHaveLength(200);
    const wrong: string[] = [];
    for (const file of files) {
      const source = readFileSync(file.replace(/\.dcm$/, ".raw"));
      const native = await decodeWith(file, "native");
      if (typeof native === "string" || !native.equals(source)) wrong.push(`${path.basename(file)} native`);
      const portable = await decodeWith(file, "js");
      const refusal =
        /^unsupported-transfer-syntax: JPEG Lossless with restart intervals \(every \d+ samples\) needs the native DCMTK decoder \(build\/native\/ljpeg\.node, built by npm run setup\): the portable jpeg-lossless-decoder-js decodes some such streams to wrong values$/;
      if (typeof portable !== "string" || !refusal.test(portable)) wrong.push(`${path.basename(file)} js: ${portable}`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});

interface ReferenceResult {
  file: string;
  results: Record<string, { dtype: string; bin: string } | { error: string }>;
}

describe("12-bit lossy JPEG (JPEG Extended, .51)", () => {
  let real: string[] = [];
  let references: Map<string, ReferenceResult>;
  beforeAll(async () => {
    real = (await pydicomTestFiles()).filter((f) => ["JPGExtended.dcm", "JPEG-lossy.dcm"].includes(path.basename(f)));
    const results = await runReference<ReferenceResult>("decode_raw.py", path.join(GENERATED_DIR, "ref-jpeg12"), real);
    references = new Map(results.map((r) => [path.basename(r.file), r]));
  }, 120_000);

  it("pydicom's two 12-bit files decode natively to exactly GDCM's values", async () => {
    expect(real).toHaveLength(2);
    for (const file of real) {
      const reference = references.get(path.basename(file))?.results["gdcm-direct"];
      expect(reference && "bin" in reference, `GDCM decodes ${path.basename(file)}`).toBe(true);
      const decoded = await decodeWith(file, "native");
      expect(typeof decoded === "string" ? decoded : "decoded").toBe("decoded");
      expect((decoded as Buffer).equals(readFileSync((reference as { bin: string }).bin))).toBe(true);
    }
  }, 60_000);

  it("pylibjpeg decodes JPGExtended.dcm too, one grey level apart on some pixels (its own IDCT), which is why GDCM is the reference", async () => {
    const file = real.find((f) => path.basename(f) === "JPGExtended.dcm") as string;
    const reference = references.get("JPGExtended.dcm")?.results.pylibjpeg as { bin: string };
    const theirs = new Uint16Array(new Uint8Array(readFileSync(reference.bin)).buffer);
    const ours = new Uint16Array(new Uint8Array((await decodeWith(file, "native")) as Buffer).buffer);
    let differing = 0;
    let largest = 0;
    for (let i = 0; i < ours.length; i++) {
      const gap = Math.abs((ours[i] as number) - (theirs[i] as number));
      if (gap > 0) differing++;
      largest = Math.max(largest, gap);
    }
    expect([theirs.length, differing, largest]).toEqual([262144, 3612, 1]);
  }, 60_000);

  it("without the native decoder it is refused, saying what would decode it", async () => {
    for (const file of real) {
      expect(await decodeWith(file, "js")).toBe(
        "unsupported-transfer-syntax: 12-bit lossy JPEG needs the native DCMTK decoder (build/native/ljpeg.node, built by npm run setup), which this process does not use (not built, or MAMMOFLOW_JPEG_LOSSLESS_DECODER=js); the portable libjpeg-turbo codec decodes 8-bit JPEG only",
      );
    }
  }, 60_000);

  it("GDCM's own lossy JPEG of 12-bit data is a 16-bit DCT stream, which lossy JPEG does not have: refused", async () => {
    const dir = await gdcmWritten("small-jpeg16-lossy", "JPEGExtendedProcess2_4", 2, 12);
    for (const file of ["000.dcm", "001.dcm"]) {
      expect(await decodeWith(path.join(dir, file), "native")).toBe(
        "unsupported-transfer-syntax: jpeg-extended codestream has 16-bit samples; lossy JPEG has 8 or 12",
      );
    }
  }, 60_000);
});

// Files DCMTK's own encoder writes (`dcmcjpeg +ee`, Debian's dcmtk, installed by setup:test):
// the 12-bit lossy JPEG real scanners produce, which GDCM cannot write, and its 8-bit twin. Each
// must decode to exactly what GDCM decodes (called directly for 12 bits, through pydicom's plugin
// for 8). Seeded sizes and contents (make_small_jpeg.py), so the fixtures are the same every run.
describe("JPEG Extended written by DCMTK (dcmcjpeg +ee)", () => {
  const reference = async (dir: string) => {
    const files = dicomFilesIn(dir);
    const results = await runReference<ReferenceResult>("decode_raw.py", `${dir}-reference`, files);
    return files.map((file, i) => ({ file, results: (results[i] as ReferenceResult).results }));
  };

  for (const bits of [12, 8]) {
    it(`100 ${bits}-bit files decode to exactly GDCM's values`, async () => {
      const dir = await gdcmWritten(`dcmtk-ee-${bits}`, "dcmcjpeg +ee", 100, bits);
      const wrong: string[] = [];
      for (const { file, results } of await reference(dir)) {
        const gdcm = results[bits > 8 ? "gdcm-direct" : "gdcm"];
        if (!gdcm || !("bin" in gdcm)) {
          wrong.push(`${path.basename(file)}: GDCM does not decode it (${JSON.stringify(gdcm)})`);
          continue;
        }
        const ours = await decodeWith(file, "native");
        if (typeof ours === "string") wrong.push(`${path.basename(file)}: ${ours}`);
        else if (!ours.equals(readFileSync(gdcm.bin))) wrong.push(`${path.basename(file)}: other values than GDCM`);
      }
      expect(wrong).toEqual([]);
    }, 180_000);
  }

  it("1,000 mutations of the 12-bit files: each decodes or fails with a DicomError, nothing else", async () => {
    const files = dicomFilesIn(path.join(GENERATED_DIR, "dcmtk-ee-12")).slice(0, 10);
    expect(files).toHaveLength(10);
    const random = prng(0x2545f491);
    const escaped: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const bytes = new Uint8Array(readFileSync(files[i % files.length] as string));
      for (let flips = 1 + random.int(8); flips > 0; flips--) bytes[random.int(bytes.length)] = random.byte();
      const cut = random.int(4) === 0 ? bytes.subarray(0, random.int(bytes.length)) : bytes;
      try {
        await readDicom(cut);
      } catch (error) {
        if (!(error instanceof DicomError)) escaped.push(`mutation ${i}: ${String(error).slice(0, 200)}`);
      }
    }
    expect(escaped).toEqual([]);
  }, 180_000);
});
