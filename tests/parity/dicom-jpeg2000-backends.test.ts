import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DicomError, readDicom, readDicomHeader } from "../../jobs/ts/dicom/index.ts";
import { bytesOf, generatedStudies, pydicomTestFiles } from "./support/dicom-fixtures.ts";

const JPEG2000 = new Set(["1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"]);

/** Stored values as bytes, or the error code; with the decoder and threads the environment says. */
async function decodeWith(file: string, env: Record<string, string>): Promise<Buffer | string> {
  Object.assign(process.env, env);
  try {
    return bytesOf((await readDicom(new Uint8Array(readFileSync(file)))).pixels);
  } catch (error) {
    return error instanceof DicomError ? `DicomError ${error.code}` : String(error);
  }
}

function isJpeg2000(file: string): boolean {
  try {
    return JPEG2000.has(readDicomHeader(new Uint8Array(readFileSync(file))).header.transferSyntaxUid);
  } catch {
    return false;
  }
}

// The native addon and the WASM build are the same OpenJPEG; the parity tests of
// dicom-decode.test.ts run whichever is active, this one holds the two to each other.
describe("native and WASM OpenJPEG decode every JPEG 2000 file identically", () => {
  afterEach(() => {
    delete process.env.MAMMOFLOW_J2K_DECODER;
    delete process.env.MAMMOFLOW_J2K_THREADS;
  });

  it("on the synthetic studies and pydicom's test files, on one thread and on several", async () => {
    const manifest = await generatedStudies();
    const files = [
      ...manifest.files.filter((f) => JPEG2000.has(f.syntax)).map((f) => path.join(manifest.dir, f.file)),
      ...(await pydicomTestFiles()).filter(isJpeg2000),
    ];
    expect(files.length).toBeGreaterThanOrEqual(20);
    const differing: string[] = [];
    let decoded = 0;
    for (const file of files) {
      const wasm = await decodeWith(file, { MAMMOFLOW_J2K_DECODER: "wasm" });
      const native = await decodeWith(file, { MAMMOFLOW_J2K_DECODER: "native", MAMMOFLOW_J2K_THREADS: "1" });
      const threaded = await decodeWith(file, { MAMMOFLOW_J2K_DECODER: "native", MAMMOFLOW_J2K_THREADS: "4" });
      const same = (a: Buffer | string, b: Buffer | string) =>
        typeof a === "string" || typeof b === "string" ? a === b : a.equals(b);
      if (!same(wasm, native) || !same(native, threaded)) differing.push(path.basename(file));
      if (typeof wasm !== "string") decoded++;
    }
    expect(differing).toEqual([]);
    expect(decoded).toBeGreaterThanOrEqual(files.length - 2);
  }, 300_000);
});
