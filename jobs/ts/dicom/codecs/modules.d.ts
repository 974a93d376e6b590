// The cornerstone codec packages and jpeg-lossless-decoder-js ship no usable type declarations
// (stack-notes §5.6); these describe the parts of their APIs this project calls.

interface EmscriptenModuleOptions {
  print?: (text: string) => void;
  printErr?: (text: string) => void;
}

interface CodecFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): CodecFrameInfo;
  delete(): void;
}

interface WasmHeaderDecoder extends WasmDecoder {
  readHeader(): void;
}

interface WasmEncoder {
  getDecodedBuffer(frameInfo: CodecFrameInfo): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  encode(): void;
  delete(): void;
}

declare module "@cornerstonejs/codec-openjpeg/decodewasmjs" {
  const factory: (options?: EmscriptenModuleOptions) => Promise<{ J2KDecoder: new () => WasmHeaderDecoder }>;
  export default factory;
}

declare module "@cornerstonejs/codec-openjpeg/wasmjs" {
  const factory: (options?: EmscriptenModuleOptions) => Promise<{
    J2KDecoder: new () => WasmHeaderDecoder;
    J2KEncoder: new () => WasmEncoder & {
      setDecompositions(n: number): void;
      setQuality(lossless: boolean, q: number): void;
    };
  }>;
  export default factory;
}

declare module "@cornerstonejs/codec-openjph" {
  const factory: (options?: EmscriptenModuleOptions) => Promise<{
    HTJ2KDecoder: new () => WasmHeaderDecoder;
    HTJ2KEncoder: new () => WasmEncoder & {
      setDecompositions(n: number): void;
      setQuality(lossless: boolean, q: number): void;
      setProgressionOrder(order: number): void;
    };
  }>;
  export default factory;
}

declare module "@cornerstonejs/codec-charls/decodewasmjs" {
  const factory: (options?: EmscriptenModuleOptions) => Promise<{ JpegLSDecoder: new () => WasmDecoder }>;
  export default factory;
}

declare module "@cornerstonejs/codec-charls/wasmjs" {
  const factory: (options?: EmscriptenModuleOptions) => Promise<{
    JpegLSDecoder: new () => WasmDecoder;
    JpegLSEncoder: new () => WasmEncoder & { setNearLossless(n: number): void };
  }>;
  export default factory;
}

declare module "@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs" {
  const factory: (options?: EmscriptenModuleOptions) => Promise<{ JPEGDecoder: new () => WasmHeaderDecoder }>;
  export default factory;
}

declare module "jpeg-lossless-decoder-js" {
  export class Decoder {
    decode(buffer: ArrayBufferLike, offset: number, length: number, numBytes?: number): Uint8Array | Uint16Array;
    xLoc: number;
    yLoc: number;
  }
}
