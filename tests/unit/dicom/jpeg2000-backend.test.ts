import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  chooseJpeg2000Backend,
  jpeg2000BackendChoice,
  jpeg2000Threads,
  loadAddon,
  loadNativeOpenJpeg,
  NATIVE_OPENJPEG_PATH,
} from "../../../jobs/ts/dicom/codecs/native-openjpeg.ts";
import { REPO_ROOT } from "../../parity/support/dicom-fixtures.ts";

describe("choosing the JPEG 2000 decoder", () => {
  it("reads MAMMOFLOW_J2K_DECODER, auto when unset, and names the variable when it is wrong", () => {
    expect(jpeg2000BackendChoice(undefined)).toBe("auto");
    expect(jpeg2000BackendChoice("")).toBe("auto");
    expect(jpeg2000BackendChoice("wasm")).toBe("wasm");
    expect(() => jpeg2000BackendChoice("gpu")).toThrow('MAMMOFLOW_J2K_DECODER must be one of auto, native, wasm, not "gpu"');
  });

  it("auto takes native when it loaded and WASM when it did not; native on request fails with the reason", () => {
    expect(chooseJpeg2000Backend("auto", undefined)).toBe("native");
    expect(chooseJpeg2000Backend("auto", "not built")).toBe("wasm");
    expect(chooseJpeg2000Backend("wasm", undefined)).toBe("wasm");
    expect(chooseJpeg2000Backend("native", undefined)).toBe("native");
    expect(() => chooseJpeg2000Backend("native", "x.node was not built")).toThrow(
      "MAMMOFLOW_J2K_DECODER=native, but the native OpenJPEG decoder is unavailable: x.node was not built",
    );
  });

  it("uses every core on the main thread, one inside a worker, or MAMMOFLOW_J2K_THREADS", () => {
    expect(jpeg2000Threads(undefined, true, 16)).toBe(16);
    expect(jpeg2000Threads(undefined, false, 16)).toBe(1);
    expect(jpeg2000Threads("3", false, 16)).toBe(3);
    expect(() => jpeg2000Threads("0", true, 16)).toThrow('MAMMOFLOW_J2K_THREADS must be a positive integer, not "0"');
    expect(() => jpeg2000Threads("two", true, 16)).toThrow("MAMMOFLOW_J2K_THREADS must be a positive integer");
  });
});

describe("the native OpenJPEG addon", () => {
  it("is built by npm run setup and loads (scripts/build-native.sh says why when it cannot)", () => {
    const loaded = loadNativeOpenJpeg();
    expect(loaded).not.toHaveProperty("error");
    if ("addon" in loaded) expect(loaded.addon.version()).toMatch(/^2\.\d+\.\d+/);
  });

  it("throws OpenJPEG's own reason for a codestream it cannot read", () => {
    const loaded = loadNativeOpenJpeg();
    if (!("addon" in loaded)) throw new Error(loaded.error);
    expect(() => loaded.addon.decode(new Uint8Array([0xff, 0x4f, 0xff, 0x51, 0, 0]), 1)).toThrow(
      /^OpenJPEG could not read the codestream header: /,
    );
    expect(() => loaded.addon.decode(new Uint8Array(4) as never, "x" as never)).toThrow(/OpenJPEG/);
    expect(() => (loaded.addon.decode as (a: unknown, b: number) => unknown)([1, 2], 1)).toThrow(
      "codestream must be a Uint8Array",
    );
  });

  it("says which file is missing or broken when it cannot load", () => {
    expect(loadAddon("/nowhere/openjpeg.node")).toEqual({
      error:
        "/nowhere/openjpeg.node was not built (npm run setup builds it where libopenjp2-7-dev and a C compiler exist)",
    });
    const notAnAddon = path.join(REPO_ROOT, "package.json");
    expect(loadAddon(notAnAddon)).toEqual({ error: expect.stringMatching(/package\.json did not load: /) });
    expect(NATIVE_OPENJPEG_PATH).toBe(path.join(REPO_ROOT, "build/native/openjpeg.node"));
  });
});
