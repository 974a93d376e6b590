import { freemem } from "node:os";
import * as ort from "onnxruntime-node";
import type { InferenceRuntimeOptions } from "../onnx/options.ts";
import { inputImageSize, ModelLoadError, openSession, type ResolvedProvider } from "../onnx/session.ts";
import { type ClassifierImage, fillBatchSlot } from "./classifier-input.ts";

/**
 * The batch size to run: the requested one, lowered so that the float32 input tensors stay
 * within a quarter of the free memory (the activations need the rest; 24 MiB per image at
 * 2048×1024).
 */
export function batchSizeForMemory(requested: number, height: number, width: number, freeBytes = freemem()): number {
  const perImage = 3 * height * width * 4;
  return Math.max(1, Math.min(requested, Math.floor(freeBytes / 4 / perImage)));
}

/**
 * The ConvNeXt fold ensemble as one ONNX model (`[N,3,H,W]` 0..255 → `[N,F]` sigmoid
 * probabilities, one column per fold; docs/seed-pipeline.md#fold-ensemble). Opened once, run in batches.
 */
export class ClassifierEnsemble {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: ResolvedProvider,
    readonly inputHeight: number,
    readonly inputWidth: number,
    readonly batchSize: number,
    private readonly inputName: string,
    private readonly outputName: string,
  ) {}

  static async open(file: string, runtime: InferenceRuntimeOptions): Promise<ClassifierEnsemble> {
    const { session, provider } = await openSession(file, runtime);
    const { height, width } = inputImageSize(session, file);
    const output = session.outputMetadata[0];
    if (!output?.isTensor || output.shape.length !== 2) {
      throw new ModelLoadError(
        file,
        `output must be [N,F] fold probabilities; the model has ${JSON.stringify(output)}`,
      );
    }
    const batchSize = batchSizeForMemory(runtime.batchSize, height, width);
    return new ClassifierEnsemble(
      session,
      provider,
      height,
      width,
      batchSize,
      session.inputNames[0] as string,
      session.outputNames[0] as string,
    );
  }

  /** Fold probabilities of up to `batchSize` images, one Float32Array per image. */
  async predictBatch(images: readonly ClassifierImage[]): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    if (images.length > this.batchSize)
      throw new RangeError(`${images.length} images exceed the batch size ${this.batchSize}`);
    const plane = this.inputHeight * this.inputWidth;
    const batch = new Float32Array(images.length * 3 * plane);
    images.forEach((image, i) => {
      if (image.height !== this.inputHeight || image.width !== this.inputWidth) {
        throw new RangeError(
          `image is ${image.height}×${image.width}; the classifier takes ${this.inputHeight}×${this.inputWidth}`,
        );
      }
      fillBatchSlot(batch, i, image);
    });
    const input = new ort.Tensor("float32", batch, [images.length, 3, this.inputHeight, this.inputWidth]);
    const outputs = await this.session.run({ [this.inputName]: input });
    const output = outputs[this.outputName] as ort.Tensor;
    const folds = output.dims[1] as number;
    const data = output.data as Float32Array;
    return images.map((_, i) => data.slice(i * folds, (i + 1) * folds));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
