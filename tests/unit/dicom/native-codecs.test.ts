import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import dicomParser from "dicom-parser";
import { describe, expect, it } from "vitest";
import {
  backendChoice,
  chooseBackend,
  loadAddon,
  loadNativeAddon,
  NATIVE_ADDON_DIR,
} from "../../../jobs/ts/dicom/codecs/native-addons.ts";
import type { NativeJpegLossless } from "../../../jobs/ts/dicom/codecs/native-ljpeg.ts";
import { jpeg2000Threads, type NativeOpenJpeg } from "../../../jobs/ts/dicom/codecs/native-openjpeg.ts";
import { readDicomHeader } from "../../../jobs/ts/dicom/index.ts";
import { generatedStudies, pydicomTestFiles, REPO_ROOT } from "../../parity/support/dicom-fixtures.ts";
import { prng } from "../../support/prng.ts";

/** The first fragment of a single-frame encapsulated file (the sample files have one per frame). */
function firstFragment(bytes: Uint8Array): Uint8Array {
  const fragment = dicomParser.parseDicom(bytes).elements.x7fe00010?.fragments?.[0];
  if (!fragment) throw new Error("no encapsulated pixel data");
  return bytes.subarray(fragment.position, fragment.position + fragment.length);
}

const FUNCTIONS = ["decode", "version"];

/** The messages with which the addons refuse a damaged codestream (ljpeg-addon.cc, openjpeg-addon.c). */
const LJPEG_REFUSALS =
  /^(DCMTK's JPEG decoder ran out of data before the image was complete|DCMTK's JPEG decoder failed: .+|DCMTK's decoder has an unexpected sample size)$/;
const OPENJPEG_REFUSALS =
  /^(OpenJPEG could not read the codestream header|OpenJPEG could not decode the codestream|OpenJPEG rejected the decoder parameters)(: .+)?$|^the codestream header declares \d+ samples, the image needs \d+$|^(the codestream has no components|subsampled JPEG 2000 components are not supported|JPEG 2000 components differ in (size|precision)|JPEG 2000 precision outside 1\.\.16 bits|the decoded image is larger than 1 GiB)$/;

function loaded<T>(name: string): T {
  const result = loadNativeAddon<T>(name, FUNCTIONS);
  if ("error" in result) throw new Error(result.error);
  return result.addon;
}

describe("choosing between a native and a portable decoder", () => {
  it("reads the variable, auto when unset, and names the variable when it is wrong", () => {
    expect(backendChoice("MAMMOFLOW_J2K_DECODER", "wasm", undefined)).toBe("auto");
    expect(backendChoice("MAMMOFLOW_J2K_DECODER", "wasm", "")).toBe("auto");
    expect(backendChoice("MAMMOFLOW_J2K_DECODER", "wasm", "wasm")).toBe("wasm");
    expect(backendChoice("MAMMOFLOW_JPEG_LOSSLESS_DECODER", "js", "native")).toBe("native");
    expect(() => backendChoice("MAMMOFLOW_J2K_DECODER", "wasm", "gpu")).toThrow(
      'MAMMOFLOW_J2K_DECODER must be one of auto, native, wasm, not "gpu"',
    );
    expect(() => backendChoice("MAMMOFLOW_JPEG_LOSSLESS_DECODER", "js", "wasm")).toThrow(
      'MAMMOFLOW_JPEG_LOSSLESS_DECODER must be one of auto, native, js, not "wasm"',
    );
  });

  it("auto takes native when it loaded and the portable one when it did not; native on request fails with the reason", () => {
    expect(chooseBackend("V", "auto", "wasm", undefined)).toBe("native");
    expect(chooseBackend("V", "auto", "wasm", "not built")).toBe("wasm");
    expect(chooseBackend("V", "wasm", "wasm", undefined)).toBe("wasm");
    expect(chooseBackend("V", "native", "js", undefined)).toBe("native");
    expect(() => chooseBackend("V", "native", "js", "x.node was not built")).toThrow(
      "V=native, but the native decoder is unavailable: x.node was not built",
    );
  });

  it("gives OpenJPEG every core on the main thread, a pool worker its share of them (cores / pool size, at least one), or MAMMOFLOW_J2K_THREADS", () => {
    expect(jpeg2000Threads(undefined, true, 16, undefined)).toBe(16);
    // A pool's worker: its share of the cores, at least one.
    expect(jpeg2000Threads(undefined, false, 2, 2)).toBe(1);
    expect(jpeg2000Threads(undefined, false, 16, 2)).toBe(8);
    expect(jpeg2000Threads(undefined, false, 16, 5)).toBe(3);
    expect(jpeg2000Threads(undefined, false, 2, 8)).toBe(1);
    // A worker no pool of ours started (pool size unknown): one.
    expect(jpeg2000Threads(undefined, false, 16, undefined)).toBe(1);
    expect(jpeg2000Threads("3", false, 16, 2)).toBe(3);
    expect(() => jpeg2000Threads("0", true, 16, undefined)).toThrow(
      'MAMMOFLOW_J2K_THREADS must be a positive integer, not "0"',
    );
    expect(() => jpeg2000Threads("two", true, 16, undefined)).toThrow(
      "MAMMOFLOW_J2K_THREADS must be a positive integer",
    );
  });

  it("says which file is missing or not an addon", () => {
    expect(NATIVE_ADDON_DIR).toBe(path.join(REPO_ROOT, "build/native"));
    expect(loadAddon("/nowhere/openjpeg.node", FUNCTIONS)).toEqual({
      error:
        "/nowhere/openjpeg.node was not built (npm run setup builds it; scripts/build-native.sh says what it needs)",
    });
    expect(loadAddon(path.join(REPO_ROOT, "package.json"), FUNCTIONS)).toEqual({
      error: expect.stringMatching(/package\.json did not load: /),
    });
    expect(loadAddon(path.join(NATIVE_ADDON_DIR, "openjpeg.node"), ["decode", "encode"])).toEqual({
      error: `${path.join(NATIVE_ADDON_DIR, "openjpeg.node")} is not the expected addon (no encode)`,
    });
  });
});

// npm run setup builds both addons (scripts/build-native.sh installs what they need where it can);
// these tests hold that the build worked here, so the parity tests exercise the native decoders.
describe("the native OpenJPEG addon", () => {
  it("is built and loads", () => {
    expect(loaded<NativeOpenJpeg>("openjpeg").version()).toMatch(/^2\.\d+\.\d+/);
  });

  it("throws OpenJPEG's own reason for a codestream it cannot read, and refuses wrong arguments", () => {
    const addon = loaded<NativeOpenJpeg>("openjpeg");
    expect(() => addon.decode(new Uint8Array([0xff, 0x4f, 0xff, 0x51, 0, 0]), 1, 16)).toThrow(
      /^OpenJPEG could not read the codestream header: /,
    );
    expect(() => (addon.decode as (a: unknown, b: number, c: number) => unknown)([1, 2], 1, 16)).toThrow(
      "codestream must be a Uint8Array",
    );
    expect(() => (addon.decode as (a: Uint8Array, b: number) => unknown)(new Uint8Array(8), 1)).toThrow(
      "decode(codestream, threads, expectedSamples) needs three arguments",
    );
    expect(() => addon.decode(new Uint8Array(8), 1, 2 ** 30)).toThrow("expectedSamples must be a positive number");
  });

  it("refuses a codestream whose header declares another size before decoding it", async () => {
    const addon = loaded<NativeOpenJpeg>("openjpeg");
    const file = path.join(REPO_ROOT, "assets/samples/test_images/10001/691507325.dcm");
    const { header, format } = readDicomHeader(new Uint8Array(readFileSync(file)));
    expect(header.transferSyntaxUid).toBe("1.2.840.10008.1.2.4.90");
    const codestream = firstFragment(new Uint8Array(readFileSync(file)));
    const samples = format.rows * format.columns;
    expect(addon.decode(codestream, 1, samples).samples.length).toBe(2 * samples);
    expect(() => addon.decode(codestream, 1, samples - 1)).toThrow(
      `the codestream header declares ${samples} samples, the image needs ${samples - 1}`,
    );
    // A header mutated to a huge image is refused, not allocated.
    const huge = codestream.slice();
    huge.set([0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff], 8); // SIZ Xsiz, Ysiz
    expect(() => addon.decode(huge, 1, samples)).toThrow(/^(the codestream header declares|OpenJPEG could not)/);
  });
});

describe("the native JPEG Lossless addon", () => {
  it("is built and loads", () => {
    expect(loaded<NativeJpegLossless>("ljpeg").version()).toMatch(/^DCMTK 3\.\d+\.\d+/);
  });

  it("says a stream ended early, and refuses wrong arguments", () => {
    const addon = loaded<NativeJpegLossless>("ljpeg");
    // SOI, then a SOF3 for 4×4 16-bit samples, and nothing more.
    const sof3 = new Uint8Array([0xff, 0xd8, 0xff, 0xc3, 0, 11, 16, 0, 4, 0, 4, 1, 1, 0x11, 0]);
    expect(() => addon.decode(sof3, 16, 16)).toThrow(/^DCMTK's JPEG decoder/);
    expect(() => addon.decode(sof3, 17, 16)).toThrow("precision must be an integer in 2..16");
    expect(() => addon.decode(sof3, 16, 0)).toThrow("sampleCount must be a positive number");
    expect(() => addon.decode(sof3, 16, 2 ** 30)).toThrow(
      "sampleCount must be a positive number of samples of at most 512 Mi",
    );
    expect(() => (addon.decode as (a: unknown, b: number, c: number) => unknown)("x", 16, 16)).toThrow(
      "codestream must be a Uint8Array",
    );
  });
});

// jpeg-lossless-sv1.h decodes the mammograms' case (one component, predictor 1, 9-16 bits) in the
// addon itself and leaves every other stream to DCMTK; where it decodes, DCMTK gives the same values.
describe("the JPEG Lossless addon's own decoder (jpeg-lossless-sv1.h)", () => {
  /** Codestream, SOF3 precision and sample count of each single-frame JPEG Lossless file. */
  async function losslessStreams(): Promise<
    { name: string; codestream: Uint8Array; precision: number; samples: number }[]
  > {
    const manifest = await generatedStudies();
    const files = [...manifest.files.map((f) => path.join(manifest.dir, f.file)), ...(await pydicomTestFiles())];
    const streams = [];
    for (const file of files) {
      const bytes = new Uint8Array(readFileSync(file));
      let format: ReturnType<typeof readDicomHeader>["format"];
      let syntax: string;
      try {
        ({
          format,
          header: { transferSyntaxUid: syntax },
        } = readDicomHeader(bytes));
      } catch {
        continue; // the collections' deliberately broken files
      }
      if (!/\.4\.(57|70)$/.test(syntax) || format.numberOfFrames !== 1) continue;
      const codestream = firstFragment(bytes);
      const sof3 = codestream.findIndex((b, i) => b === 0xff && codestream[i + 1] === 0xc3);
      if (sof3 < 0) continue;
      const precision = codestream[sof3 + 4] as number;
      streams.push({
        name: path.basename(file),
        codestream,
        precision,
        samples: format.rows * format.columns * format.samplesPerPixel,
      });
    }
    return streams;
  }

  it("decodes the 9-16-bit single-component predictor-1 files to DCMTK's values and leaves the rest to it", async () => {
    const ljpeg = loaded<NativeJpegLossless>("ljpeg");
    const streams = await losslessStreams();
    const direct: string[] = [];
    const differing: string[] = [];
    for (const { name, codestream, precision, samples } of streams) {
      const own = ljpeg.decodeDirect(codestream, precision, samples);
      if (own === undefined) continue;
      direct.push(name);
      const dcmtk = ljpeg.decode(codestream, precision, samples, false);
      if (!Buffer.from(own).equals(Buffer.from(dcmtk))) differing.push(name);
      // decode() takes the same path by default.
      expect(Buffer.from(ljpeg.decode(codestream, precision, samples)).equals(Buffer.from(own))).toBe(true);
    }
    expect(differing).toEqual([]);
    // The generated mammograms (12-, 14- and 16-bit variants, GDCM's encoder) are all the direct case.
    expect(direct.filter((n) => n.endsWith(".4.70.dcm")).length).toBeGreaterThanOrEqual(4);
    // 8-bit and colour streams are DCMTK's.
    for (const { precision, codestream, samples } of streams.filter((s) => s.precision <= 8)) {
      expect(ljpeg.decodeDirect(codestream, precision, samples)).toBeUndefined();
    }
  }, 300_000);

  it("refuses nothing DCMTK decodes differently: 1,200 mutated streams", async () => {
    const ljpeg = loaded<NativeJpegLossless>("ljpeg");
    const seeds = (await losslessStreams()).filter((s) => s.precision > 8);
    const random = prng(20261202);
    let direct = 0;
    const differing: string[] = [];
    for (let i = 0; i < 1200; i++) {
      const seed = seeds[i % seeds.length] as (typeof seeds)[number];
      const mutated = seed.codestream.slice();
      for (let k = 1 + Math.floor(random() * 8); k > 0; k--) {
        // Half in the headers (tables, sizes), half in the entropy-coded data.
        const at = Math.floor(random() * (random() < 0.5 ? Math.min(400, mutated.length) : mutated.length));
        mutated[at] = Math.floor(random() * 256);
      }
      const input = random() < 0.2 ? mutated.subarray(0, Math.floor(random() * mutated.length)) : mutated;
      const own = ljpeg.decodeDirect(input, seed.precision, seed.samples);
      if (own === undefined) continue;
      direct++;
      let dcmtk: Uint8Array | string;
      try {
        dcmtk = ljpeg.decode(input, seed.precision, seed.samples, false);
      } catch (error) {
        dcmtk = String(error);
      }
      if (typeof dcmtk === "string" || !Buffer.from(own).equals(Buffer.from(dcmtk))) {
        differing.push(`case ${i} (${seed.name}): ${typeof dcmtk === "string" ? dcmtk : "other values"}`);
      }
    }
    expect(differing).toEqual([]);
    expect(direct).toBeGreaterThan(50);
  }, 300_000);
});

// readDicom checks a codestream's header against the DICOM header before any decoder sees it; this
// feeds mutated codestreams to the addons directly, so a native abort (which would kill the whole
// process, worker threads included) cannot hide behind that check. It found one: a mutated size
// made V8 refuse the output array with a fatal error, before the addons bounded their output.
describe("the native addons on mutated codestreams", () => {
  it("1,200 mutations return a full-size image or are refused with a decoder's reason; the process survives", async () => {
    const manifest = await generatedStudies();
    const seeds = manifest.files
      .filter((f) => /\.4\.(90|91|57|70)$/.test(f.syntax))
      .map((f) => {
        const bytes = new Uint8Array(readFileSync(path.join(manifest.dir, f.file)));
        const { format } = readDicomHeader(bytes);
        const codestream = firstFragment(bytes).slice();
        const sof3 = codestream.findIndex((b, i) => b === 0xff && codestream[i + 1] === 0xc3);
        return {
          jpeg2000: f.syntax.endsWith(".90") || f.syntax.endsWith(".91"),
          codestream,
          precision: sof3 >= 0 ? (codestream[sof3 + 4] as number) : 0,
          samples: format.rows * format.columns * format.samplesPerPixel,
        };
      });
    expect(seeds.length).toBeGreaterThanOrEqual(20);
    const openjpeg = loaded<NativeOpenJpeg>("openjpeg");
    const ljpeg = loaded<NativeJpegLossless>("ljpeg");
    const random = prng(20261129);
    const outcomes = { decoded: 0, refused: 0 };
    const escaped: string[] = [];
    for (let i = 0; i < 1200; i++) {
      const seed = seeds[i % seeds.length] as (typeof seeds)[number];
      const mutated = seed.codestream.slice();
      for (let k = 1 + Math.floor(random() * 20); k > 0; k--) {
        // Half the changes hit the first 300 bytes: the headers, where sizes live.
        const at = Math.floor(random() * (random() < 0.5 ? Math.min(300, mutated.length) : mutated.length));
        mutated[at] = Math.floor(random() * 256);
      }
      const input = random() < 0.2 ? mutated.subarray(0, Math.floor(random() * mutated.length)) : mutated;
      let bytes: Uint8Array;
      try {
        bytes = seed.jpeg2000
          ? openjpeg.decode(input, 1, seed.samples).samples
          : ljpeg.decode(input, seed.precision, seed.samples);
      } catch (error) {
        // Only the decoders' own reasons for refusing a damaged stream count as a refusal.
        const reasons = seed.jpeg2000 ? OPENJPEG_REFUSALS : LJPEG_REFUSALS;
        if (error instanceof Error && error.constructor === Error && reasons.test(error.message)) outcomes.refused++;
        else escaped.push(`case ${i}: ${String(error)}`);
        continue;
      }
      // Outside the try: a decode of the wrong size is a failure, never a refusal.
      expect([seed.samples, 2 * seed.samples], `case ${i}`).toContain(bytes.length);
      outcomes.decoded++;
    }
    expect(escaped).toEqual([]);
    expect(outcomes.decoded).toBeGreaterThan(100);
    expect(outcomes.refused).toBeGreaterThan(100);
  }, 300_000);
});

// What a decoding thread loads is start-up time of every worker and stage process: the portable
// JPEG Lossless decoder's package loads only in a process that decodes with it.
describe("jpeg-lossless-decoder-js loads on first use", () => {
  /** The package's files in the CommonJS cache of a fresh process that read `file` with `decoder`. */
  async function loadedAfterReading(file: string, decoder: "native" | "js"): Promise<string[]> {
    const script = [
      'import { readFileSync } from "node:fs";',
      'import { createRequire } from "node:module";',
      `import { readDicom } from ${JSON.stringify(path.join(REPO_ROOT, "jobs/ts/dicom/index.ts"))};`,
      "await readDicom(new Uint8Array(readFileSync(process.argv[1])));",
      "const cache = Object.keys(createRequire(import.meta.url).cache);",
      'console.log(JSON.stringify(cache.filter((f) => f.includes("/node_modules/jpeg-lossless-decoder-js/"))));',
    ].join("\n");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script, file],
      { cwd: REPO_ROOT, env: { ...process.env, MAMMOFLOW_JPEG_LOSSLESS_DECODER: decoder } },
    );
    return (JSON.parse(stdout) as string[]).map((f) => path.relative(REPO_ROOT, f));
  }

  it("not by a process that decodes JPEG Lossless with DCMTK; by one that decodes with it", async () => {
    const manifest = await generatedStudies();
    const lossless = manifest.files.find((f) => f.syntax === "1.2.840.10008.1.2.4.70");
    if (!lossless) throw new Error("the generated studies have no JPEG Lossless SV1 file");
    const file = path.join(manifest.dir, lossless.file);
    expect(await loadedAfterReading(file, "native")).toEqual([]);
    expect(await loadedAfterReading(file, "js")).toEqual([
      "node_modules/jpeg-lossless-decoder-js/release/cjs/lossless.cjs",
    ]);
  }, 60_000);
});
