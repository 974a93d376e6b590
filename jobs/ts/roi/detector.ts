import * as ort from "onnxruntime-node";
import type { RoiSelection } from "../../contract/parameters/roi.ts";
import type { InferenceRuntimeOptions } from "../onnx/options.ts";
import {
  ExecutionProviderUnavailable,
  inputImageSize,
  type LoadedSession,
  openSession,
  type ResolvedProvider,
} from "../onnx/session.ts";
import { loadOpenCv, type OpenCv } from "./opencv.ts";
import { otsuBreastRegion } from "./otsu.ts";
import { type DetectorPrecision, detectorFp16Attempts } from "./precision.ts";
import { type BreastBox, detectionToImageBox, fullFrame, resizedToImageBox } from "./select-box.ts";
import { topYoloxDetection, type YoloxGrid, yoloxGrid } from "./yolox-decode.ts";
import { buildYoloxInput, type YoloxInput } from "./yolox-input.ts";

/** `U = uint8(trunc(Z))` of the resized, unpadded detector image (the Otsu fallback's input). */
export function truncateToUint8(values: Float32Array): Uint8Array {
  return Uint8Array.from(values, (v) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v)));
}

/**
 * The breast box of one image (docs/seed-pipeline.md#breast-roi-detection): YOLOX-nano on the fit-resized,
 * 114-padded image; the top box if it covers enough of the image; else the Otsu box; else the
 * full frame. The session is opened once and reused for every image.
 */
export class BreastRoiDetector {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly cv: OpenCv,
    readonly provider: ResolvedProvider,
    /** Whether it runs as an fp16 TensorRT engine (else the ONNX model's float32). */
    readonly fp16: boolean,
    readonly inputHeight: number,
    readonly inputWidth: number,
    private readonly grid: YoloxGrid,
    private readonly inputName: string,
    private readonly outputName: string,
  ) {}

  /**
   * `precision` (the API's detectorPrecision; Fp32 unless given) decides whether the detector runs
   * as the seed's fp16 TensorRT engine (TensorRT only, see InferenceRuntimeOptions.fp16), apart
   * from the runtime it shares with the classifier.
   */
  static async open(
    file: string,
    runtime: InferenceRuntimeOptions,
    precision: DetectorPrecision = "Fp32",
  ): Promise<BreastRoiDetector> {
    const [[{ session, provider }, fp16], { cv }] = await Promise.all([
      BreastRoiDetector.openSession(file, runtime, precision),
      loadOpenCv(),
    ]);
    const { height, width } = inputImageSize(session, file);
    const inputName = session.inputNames[0] as string;
    const outputName = session.outputNames[0] as string;
    return new BreastRoiDetector(
      session,
      cv,
      provider,
      fp16,
      height,
      width,
      yoloxGrid(height, width),
      inputName,
      outputName,
    );
  }

  /** The first of the precision's attempts that a provider can load; the last failure otherwise. */
  private static async openSession(
    file: string,
    runtime: InferenceRuntimeOptions,
    precision: DetectorPrecision,
  ): Promise<[LoadedSession, boolean]> {
    let unavailable: unknown;
    for (const fp16 of detectorFp16Attempts(precision, runtime.executionProvider)) {
      try {
        return [await openSession(file, { ...runtime, fp16 }), fp16];
      } catch (error) {
        if (!(error instanceof ExecutionProviderUnavailable)) throw error;
        unavailable = error;
      }
    }
    throw unavailable;
  }

  /** Raw `[1, A, 6]` output for a prepared input tensor. */
  async run(tensor: Float32Array): Promise<Float32Array> {
    const input = new ort.Tensor("float32", tensor, [1, 3, this.inputHeight, this.inputWidth]);
    const outputs = await this.session.run({ [this.inputName]: input });
    const output = outputs[this.outputName] as ort.Tensor;
    return output.data as Float32Array;
  }

  /** The crop box for a 0..255 float image (the seed's YOLOX input, docs/seed-pipeline.md#path-a--inference step 3). */
  async detect(image: Float32Array, height: number, width: number, selection: RoiSelection): Promise<BreastBox> {
    const prepared = buildYoloxInput(image, height, width, this.inputHeight, this.inputWidth);
    return this.detectPrepared(prepared, height, width, selection);
  }

  /** `detect` for an input already fit-resized and padded (by a preparation worker) to this detector's size. */
  async detectPrepared(
    prepared: YoloxInput,
    height: number,
    width: number,
    selection: RoiSelection,
  ): Promise<BreastBox> {
    const output = await this.run(prepared.tensor);
    const ratio = prepared.fit.ratio;
    const top = topYoloxDetection(output, this.grid, selection.confidenceThreshold);
    if (top) {
      const box = detectionToImageBox(top, ratio, height, width);
      if (box.areaFraction >= selection.minAreaFraction) return { ...box, branch: "yolox" };
    }
    if (selection.otsuFallback) {
      const { height: h, width: w } = prepared.fit;
      const region = otsuBreastRegion(this.cv, truncateToUint8(prepared.resized), h, w);
      if (region && region.areaFraction >= selection.minAreaFraction) {
        return {
          ...resizedToImageBox(region.box, ratio, height, width),
          branch: "otsu",
          areaFraction: region.areaFraction,
        };
      }
    }
    return fullFrame(height, width);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
