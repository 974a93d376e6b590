import { readFile } from "node:fs/promises";
import type { RoiSelection } from "../../contract/parameters/roi.ts";
import { type ClassifierImage, resizeAndPad } from "../classify/classifier-input.ts";
import type { ClassifierEnsemble } from "../classify/ensemble.ts";
import { type PixelConversionOptions, readDicom, windowedFloat, yoloxInputRows } from "../dicom/index.ts";
import type { ResizedView } from "../report/thumbnails.ts";
import type { BreastRoiDetector } from "../roi/detector.ts";
import { type BreastBox, fullFrame } from "../roi/select-box.ts";
import { buildYoloxInput, type YoloxInput } from "../roi/yolox-input.ts";
import { BatchQueue } from "./batch-queue.ts";
import { PreparePool } from "./prepare-pool.ts";
import type { ImageResult } from "./probabilities-file.ts";
import { locateImage, type TestImage } from "./test-set.ts";

export interface InferenceModels {
  detector: BreastRoiDetector;
  classifier: ClassifierEnsemble;
}

export interface PredictOptions {
  roi: RoiSelection;
  pixels: Partial<PixelConversionOptions>;
  /** Worker threads that decode and prepare images in parallel; 0 prepares them on this thread. */
  workers?: number;
  /** An already started pool to use instead (kept open), e.g. across several calls. */
  pool?: PreparePool;
  /** Called after each image with the counts so far. */
  onProgress?: (done: number, total: number, failed: number) => void;
  /** Called when ROI detection failed and the full frame was used instead (the seed does the same). */
  onWarning?: (image: TestImage, message: string) => void;
  /**
   * Given each image's whole view as the detector input has it (fit-resized, ~416 px), with the
   * image's size: the report's thumbnails are made from it rather than by decoding again.
   */
  onResized?: (image: TestImage, view: ResizedView, rows: number, columns: number) => void;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** How one image gets from its file to the classifier canvas (path A, docs/seed-pipeline.md#path-a--inference). */
type Prepare = (index: number, file: string, image: TestImage) => Promise<{ box: BreastBox; input: ClassifierImage }>;

/**
 * The box step shared by both preparations: the detector on the prepared input; any failure of
 * it means "no box" and the full frame, as in submit.py.
 */
async function findBox(
  models: InferenceModels,
  input: YoloxInput,
  rows: number,
  columns: number,
  file: string,
  image: TestImage,
  options: PredictOptions,
): Promise<BreastBox> {
  try {
    return await models.detector.detectPrepared(input, rows, columns, options.roi);
  } catch (error) {
    options.onWarning?.(image, `${file}: ROI detection failed (${reason(error)}); using the full frame`);
    return fullFrame(rows, columns);
  }
}

/** Decode, YOLOX input, box, crop, window, canvas, all on this thread. */
function prepareHere(models: InferenceModels, options: PredictOptions): Prepare {
  const { detector, classifier } = models;
  return async (_index, file, image) => {
    const dicom = await readDicom(await readFile(file));
    const { rows, columns } = dicom;
    const input = buildYoloxInput(yoloxInputRows(dicom), rows, columns, detector.inputHeight, detector.inputWidth);
    options.onResized?.(image, { pixels: input.resized, ...input.fit }, rows, columns);
    const box = await findBox(models, input, rows, columns, file, image, options);
    const crop = windowedFloat(dicom, options.pixels, box);
    const canvas = resizeAndPad(crop, box.y1 - box.y0, box.x1 - box.x0, classifier.inputHeight, classifier.inputWidth);
    return { box, input: canvas };
  };
}

/** The same steps with decoding, windowing and resizing on the pool's workers; the models stay here. */
function prepareOnWorkers(pool: PreparePool, models: InferenceModels, options: PredictOptions): Prepare {
  const { detector, classifier } = models;
  return async (index, file, image) => {
    const loaded = await pool.load(index, file, detector.inputHeight, detector.inputWidth);
    options.onResized?.(image, { pixels: loaded.input.resized, ...loaded.input.fit }, loaded.rows, loaded.columns);
    let box: BreastBox;
    try {
      box = await findBox(models, loaded.input, loaded.rows, loaded.columns, file, image, options);
    } catch (error) {
      await pool.release(index);
      throw error;
    }
    const input = await pool.crop(index, box, options.pixels, classifier.inputHeight, classifier.inputWidth);
    return { box, input };
  };
}

/**
 * Scores images; a file that cannot be found or decoded gets an error instead of probabilities
 * and the run goes on. Images are prepared `workers` at a time (or one at a time on this
 * thread) while the classifier runs batches; results keep the order of `images`.
 */
export async function predictImages(
  images: readonly TestImage[],
  imagesDir: string,
  models: InferenceModels,
  options: PredictOptions,
): Promise<ImageResult[]> {
  const results: ImageResult[] = images.map((image) => ({ image }));
  let failed = 0;
  let done = 0;
  const queue = new BatchQueue(models.classifier, (count) => {
    failed += count;
  });
  const ownPool = !options.pool && (options.workers ?? 0) > 0 && images.length > 0;
  const pool = options.pool ?? (ownPool ? PreparePool.start(Math.min(options.workers ?? 0, images.length)) : undefined);
  const workers = pool ? Math.min(pool.size, images.length) : 0;
  const prepare = pool ? prepareOnWorkers(pool, models, options) : prepareHere(models, options);
  let next = 0;
  const lane = async () => {
    while (next < images.length) {
      const index = next++;
      const result = results[index] as ImageResult;
      try {
        const file = await locateImage(imagesDir, result.image);
        const prepared = await prepare(index, file, result.image).catch((error) => {
          throw new Error(`${file}: ${reason(error)}`);
        });
        result.box = prepared.box;
        await queue.add(result, prepared.input);
      } catch (error) {
        result.error = reason(error);
        failed++;
      }
      options.onProgress?.(++done, images.length, failed);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(2 * workers, images.length)) }, lane));
    await queue.flush();
  } finally {
    if (ownPool) await pool?.close();
  }
  return results;
}
