import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { DicomError, readDicom, readDicomHeader } from "../../jobs/ts/dicom/index.ts";
import { bytesOf, generatedStudies, type Manifest, pydicomTestFiles } from "./support/dicom-fixtures.ts";

const JPEG2000 = new Set(["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"]);
const JPEG_LOSSLESS = new Set(["1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"]);
const VARIABLES = ["MAMMOFLOW_J2K_DECODER", "MAMMOFLOW_J2K_THREADS", "MAMMOFLOW_JPEG_LOSSLESS_DECODER"];

/** Stored values as bytes, or the error code, with the decoders the environment chooses. */
async function decodeWith(file: string, env: Record<string, string>): Promise<Buffer | string> {
  Object.assign(process.env, env);
  try {
    return bytesOf((await readDicom(new Uint8Array(readFileSync(file)))).pixels);
  } catch (error) {
    return error instanceof DicomError ? `DicomError ${error.code}` : String(error);
  } finally {
    for (const name of Object.keys(env)) delete process.env[name];
  }
}

function syntaxOf(file: string): string | undefined {
  try {
    return readDicomHeader(new Uint8Array(readFileSync(file))).header.transferSyntaxUid;
  } catch {
    return undefined;
  }
}

const same = (a: Buffer | string, b: Buffer | string) =>
  typeof a === "string" || typeof b === "string" ? a === b : a.equals(b);

/**
 * Decodes each file under each environment: the files whose outcomes differ (with every outcome),
 * and how many the first environment decoded.
 */
async function compareDecoders(
  files: string[],
  envs: Record<string, string>[],
): Promise<{ differing: string[]; decoded: number }> {
  const differing: string[] = [];
  let decoded = 0;
  for (const file of files) {
    const outcomes = [];
    for (const env of envs) outcomes.push(await decodeWith(file, env));
    const [first, ...rest] = outcomes as [Buffer | string, ...(Buffer | string)[]];
    if (!rest.every((o) => same(first, o))) {
      differing.push(`${path.basename(file)} (${outcomes.map((o) => (typeof o === "string" ? o : "ok")).join(", ")})`);
    }
    if (typeof first !== "string") decoded++;
  }
  return { differing, decoded };
}

// Each native addon wraps a library that decodes the same bits as the portable decoder; the parity
// tests of dicom-decode.test.ts run whichever is active, these hold the two to each other.
describe("native and portable decoders give identical stored values", () => {
  let files: string[] = [];
  beforeAll(async () => {
    const manifest: Manifest & { dir: string } = await generatedStudies();
    files = [...manifest.files.map((f) => path.join(manifest.dir, f.file)), ...(await pydicomTestFiles())];
  }, 600_000);
  afterEach(() => {
    for (const name of VARIABLES) delete process.env[name];
  });

  it("JPEG 2000: OpenJPEG native on one thread and on four, and its WASM build", async () => {
    const j2k = files.filter((f) => JPEG2000.has(syntaxOf(f) ?? ""));
    expect(j2k.length).toBeGreaterThanOrEqual(20);
    const { differing, decoded } = await compareDecoders(j2k, [
      { MAMMOFLOW_J2K_DECODER: "wasm" },
      { MAMMOFLOW_J2K_DECODER: "native", MAMMOFLOW_J2K_THREADS: "1" },
      { MAMMOFLOW_J2K_DECODER: "native", MAMMOFLOW_J2K_THREADS: "4" },
    ]);
    expect(differing).toEqual([]);
    expect(decoded).toBeGreaterThanOrEqual(j2k.length - 2);
  }, 300_000);

  it("JPEG Lossless: the native addon (its own decoder for one component and predictor 1, DCMTK's IJG build for the rest) and jpeg-lossless-decoder-js", async () => {
    const lossless = files.filter((f) => JPEG_LOSSLESS.has(syntaxOf(f) ?? ""));
    expect(lossless.length).toBeGreaterThanOrEqual(15);
    const { differing, decoded } = await compareDecoders(lossless, [
      { MAMMOFLOW_JPEG_LOSSLESS_DECODER: "js" },
      { MAMMOFLOW_JPEG_LOSSLESS_DECODER: "native" },
    ]);
    expect(differing).toEqual([]);
    expect(decoded).toBeGreaterThanOrEqual(lossless.length - 1);
  }, 300_000);
});
