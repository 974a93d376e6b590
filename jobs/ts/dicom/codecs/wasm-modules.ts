import type charlsFactory from "@cornerstonejs/codec-charls/decodewasmjs";
import type libjpegTurboFactory from "@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs";
import type openJpegFactory from "@cornerstonejs/codec-openjpeg/decodewasmjs";
import type openJphFactory from "@cornerstonejs/codec-openjph";

type Factories = {
  openjpeg: typeof openJpegFactory;
  openjph: typeof openJphFactory;
  charls: typeof charlsFactory;
  libjpegTurbo: typeof libjpegTurboFactory;
};
export type CodecName = keyof Factories;
export type CodecModule<K extends CodecName> = Awaited<ReturnType<Factories[K]>>;

// Each codec's JavaScript loads when a file first needs it: a decoding thread that sees only
// JPEG 2000 never parses the other three.
const FACTORIES: { [K in CodecName]: () => Promise<Factories[K]> } = {
  openjpeg: async () => (await import("@cornerstonejs/codec-openjpeg/decodewasmjs")).default,
  openjph: async () => (await import("@cornerstonejs/codec-openjph")).default,
  charls: async () => (await import("@cornerstonejs/codec-charls/decodewasmjs")).default,
  libjpegTurbo: async () => (await import("@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs")).default,
};

const loaded = new Map<CodecName, Promise<unknown>>();

/**
 * One instance of a WASM codec per process, made on first use. Each instance gets its own
 * options object: Emscripten uses it as the Module, and sharing one breaks the second load.
 * The print hooks silence openjpeg's "[INFO]" lines.
 */
export function codecModule<K extends CodecName>(name: K): Promise<CodecModule<K>> {
  let module = loaded.get(name);
  if (!module) {
    module = FACTORIES[name]().then((factory) =>
      (factory as (options: object) => Promise<unknown>)({ print: () => {}, printErr: () => {} }),
    );
    loaded.set(name, module);
  }
  return module as Promise<CodecModule<K>>;
}

/**
 * Forget an instance after it threw from native code: an aborted Emscripten module may be left
 * in a broken state, so the next image gets a fresh one.
 */
export function discardCodecModule(name: CodecName): void {
  loaded.delete(name);
}
