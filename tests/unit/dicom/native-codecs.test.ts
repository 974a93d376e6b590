import path from "node:path";
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
import { REPO_ROOT } from "../../parity/support/dicom-fixtures.ts";

const FUNCTIONS = ["decode", "version"];

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

  it("gives OpenJPEG every core on the main thread, one inside a worker, or MAMMOFLOW_J2K_THREADS", () => {
    expect(jpeg2000Threads(undefined, true, 16)).toBe(16);
    expect(jpeg2000Threads(undefined, false, 16)).toBe(1);
    expect(jpeg2000Threads("3", false, 16)).toBe(3);
    expect(() => jpeg2000Threads("0", true, 16)).toThrow('MAMMOFLOW_J2K_THREADS must be a positive integer, not "0"');
    expect(() => jpeg2000Threads("two", true, 16)).toThrow("MAMMOFLOW_J2K_THREADS must be a positive integer");
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
    expect(() => addon.decode(new Uint8Array([0xff, 0x4f, 0xff, 0x51, 0, 0]), 1)).toThrow(
      /^OpenJPEG could not read the codestream header: /,
    );
    expect(() => (addon.decode as (a: unknown, b: number) => unknown)([1, 2], 1)).toThrow(
      "codestream must be a Uint8Array",
    );
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
    expect(() => (addon.decode as (a: unknown, b: number, c: number) => unknown)("x", 16, 16)).toThrow(
      "codestream must be a Uint8Array",
    );
  });
});
