import { readFile } from "node:fs/promises";
import { type ClassifierImage, resizeAndPad } from "../classify/classifier-input.ts";
import type { ClassifierEnsemble } from "../classify/ensemble.ts";
import { type PixelConversionOptions, readDicom, windowedFloat, yoloxInputFloat } from "../dicom/index.ts";
import type { BreastRoiDetector } from "../roi/detector.ts";
import type { RoiSelectionOptions } from "../roi/options.ts";
import { type BreastBox, fullFrame } from "../roi/select-box.ts";
import { foldMean } from "./aggregate.ts";
import type { ImageResult } from "./probabilities-file.ts";
import { locateImage, type TestImage } from "./test-set.ts";

export interface InferenceModels {
  detector: BreastRoiDetector;
  classifier: ClassifierEnsemble;
}

export interface PredictOptions {
  roi: RoiSelectionOptions;
  pixels: Partial<PixelConversionOptions>;
  /** Called after each image with the counts so far. */
  onProgress?: (done: number, total: number, failed: number) => void;
  /** Called when ROI detection failed and the full frame was used instead (the seed does the same). */
  onWarning?: (image: TestImage, message: string) => void;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Path A of the seed (pipeline-spec §1.9) up to the classifier input: decode, YOLOX input, breast
 * box, crop of the raw integers, window and inversion, fit-resize onto the canvas, truncate.
 */
async function prepareImage(
  file: string,
  image: TestImage,
  models: InferenceModels,
  options: PredictOptions,
): Promise<{ box: BreastBox; input: ClassifierImage }> {
  const dicom = await readDicom(await readFile(file));
  const { rows, columns } = dicom;
  let box: BreastBox;
  try {
    box = await models.detector.detect(yoloxInputFloat(dicom), rows, columns, options.roi);
  } catch (error) {
    // submit.py treats any failure of the ROI step as "no box": the full frame is classified.
    options.onWarning?.(image, `${file}: ROI detection failed (${reason(error)}); using the full frame`);
    box = fullFrame(rows, columns);
  }
  const crop = windowedFloat(dicom, options.pixels, box);
  const { inputHeight, inputWidth } = models.classifier;
  return { box, input: resizeAndPad(crop, box.y1 - box.y0, box.x1 - box.x0, inputHeight, inputWidth) };
}

/**
 * Scores images one by one; a file that cannot be found or decoded gets an error instead of
 * probabilities and the run goes on. While the classifier runs one batch (ONNX Runtime works on
 * its own threads), the next images are decoded and prepared.
 */
export async function predictImages(
  images: readonly TestImage[],
  imagesDir: string,
  models: InferenceModels,
  options: PredictOptions,
): Promise<ImageResult[]> {
  const results: ImageResult[] = [];
  let pending: { result: ImageResult; input: ClassifierImage }[] = [];
  let running: Promise<void> = Promise.resolve();
  let failed = 0;
  const runBatch = (batch: typeof pending) =>
    models.classifier.predictBatch(batch.map((b) => b.input)).then(
      (probabilities) => {
        batch.forEach(({ result }, i) => {
          const folds = probabilities[i] as Float32Array;
          result.folds = folds;
          result.mean = foldMean(folds);
        });
      },
      (error) => {
        for (const { result } of batch) result.error = `classifier failed: ${reason(error)}`;
        failed += batch.length;
      },
    );
  const flush = async () => {
    const batch = pending;
    pending = [];
    await running;
    running = runBatch(batch);
  };
  for (const image of images) {
    const result: ImageResult = { image };
    results.push(result);
    try {
      const file = await locateImage(imagesDir, image);
      try {
        const prepared = await prepareImage(file, image, models, options);
        result.box = prepared.box;
        pending.push({ result, input: prepared.input });
      } catch (error) {
        throw new Error(`${file}: ${reason(error)}`);
      }
      if (pending.length >= models.classifier.batchSize) await flush();
    } catch (error) {
      result.error = reason(error);
      failed++;
    }
    options.onProgress?.(results.length, images.length, failed);
  }
  if (pending.length > 0) await flush();
  await running;
  return results;
}
