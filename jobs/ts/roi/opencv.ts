import { createRequire } from "node:module";

/** The part of OpenCV.js (4.5.2, Emscripten) the Otsu fallback uses. */
export interface Mat {
  data: Uint8Array;
  delete(): void;
}
export interface MatVector {
  size(): number;
  get(index: number): Mat;
  delete(): void;
}
interface Size {
  width: number;
  height: number;
}
export interface OpenCv {
  CV_8UC1: number;
  THRESH_BINARY: number;
  THRESH_OTSU: number;
  MORPH_RECT: number;
  RETR_EXTERNAL: number;
  CHAIN_APPROX_SIMPLE: number;
  BORDER_DEFAULT: number;
  Mat: new (rows?: number, cols?: number, type?: number) => Mat;
  MatVector: new () => MatVector;
  Size: new (width: number, height: number) => Size;
  Point: new (x: number, y: number) => { x: number; y: number };
  GaussianBlur(src: Mat, dst: Mat, size: Size, sigmaX: number, sigmaY: number, borderType: number): void;
  threshold(src: Mat, dst: Mat, thresh: number, maxval: number, type: number): number;
  getStructuringElement(shape: number, size: Size, anchor: { x: number; y: number }): Mat;
  dilate(src: Mat, dst: Mat, kernel: Mat): void;
  findContours(image: Mat, contours: MatVector, hierarchy: Mat, mode: number, method: number): void;
  contourArea(contour: Mat): number;
  boundingRect(contour: Mat): { x: number; y: number; width: number; height: number };
}

/** Holds the module: a promise must never resolve to the module itself (see loadOpenCv). */
export interface OpenCvRuntime {
  cv: OpenCv;
}

let ready: Promise<OpenCvRuntime> | undefined;

/**
 * OpenCV.js once its WebAssembly runtime is up (about half a second), loaded on first use. The
 * module object is a thenable that resolves to itself, so it is loaded with `require` (an ESM
 * `import()` of it never settles) and only ever passed around wrapped.
 */
export function loadOpenCv(): Promise<OpenCvRuntime> {
  ready ??= new Promise<OpenCvRuntime>((resolve) => {
    const module = createRequire(import.meta.url)("@techstark/opencv-js") as OpenCv & {
      onRuntimeInitialized?: () => void;
    };
    if (typeof module.Mat === "function" && typeof module.findContours === "function") {
      resolve({ cv: module });
      return;
    }
    const previous = module.onRuntimeInitialized;
    module.onRuntimeInitialized = () => {
      previous?.();
      resolve({ cv: module });
    };
  });
  return ready;
}
