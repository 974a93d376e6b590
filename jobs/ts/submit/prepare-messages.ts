import type { ClassifierImage } from "../classify/classifier-input.ts";
import type { PixelConversionOptions } from "../dicom/index.ts";
import type { PixelBox } from "../roi/otsu.ts";
import type { YoloxInput } from "../roi/yolox-input.ts";

/** What the main thread asks a preparation worker (prepare-worker.ts). */
export type PrepareRequest =
  | { type: "load"; id: number; file: string; inputHeight: number; inputWidth: number }
  | {
      type: "crop";
      id: number;
      box: PixelBox;
      pixels: Partial<PixelConversionOptions>;
      canvasHeight: number;
      canvasWidth: number;
    }
  | { type: "release"; id: number };

export type PrepareReply =
  | { id: number; ok: true; type: "load"; rows: number; columns: number; input: YoloxInput }
  | { id: number; ok: true; type: "crop"; image: ClassifierImage }
  | { id: number; ok: true; type: "release" }
  | { id: number; ok: false; error: string };
