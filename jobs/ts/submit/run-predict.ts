import { readFile } from "node:fs/promises";
import type { RoiSelection } from "../../contract/parameters/roi.ts";
import { ClassifierEnsemble } from "../classify/ensemble.ts";
import type { PixelConversionOptions } from "../dicom/index.ts";
import type { InferenceRuntimeOptions } from "../onnx/options.ts";
import { BreastRoiDetector } from "../roi/detector.ts";
import type { DetectorPrecision } from "../roi/precision.ts";
import { CLASSIFIER_HINTS, DETECTOR_HINTS, resolveOnnxModel } from "./models.ts";
import { type PredictOptions, predictImages } from "./predict-images.ts";
import type { ImageResult } from "./probabilities-file.ts";
import { shardOf, type TestImage, testImagesFromCsv } from "./test-set.ts";

export interface PredictRun {
  csv: string;
  images: string;
  /** ONNX file, or a folder holding it (an export stage's output). */
  detector: string;
  classifier: string;
  shard?: { index: number; count: number };
  roi: RoiSelection;
  pixels: Partial<PixelConversionOptions>;
  runtime: InferenceRuntimeOptions;
  /** The ROI detector's precision (Fp32 when absent: the ONNX model as exported). */
  detectorPrecision?: DetectorPrecision;
  /** Worker threads decoding and preparing images; 0 = on the main thread. */
  workers: number;
  onProgress?: (done: number, total: number, failed: number) => void;
  onWarning?: (image: TestImage, message: string) => void;
  /** Each image's detector view, for thumbnails (PredictOptions.onResized). */
  onResized?: PredictOptions["onResized"];
  /** Told which providers the sessions got, once they are open. */
  onReady?: (info: {
    detector: string;
    detectorFp16: boolean;
    classifier: string;
    batchSize: number;
    images: number;
  }) => void;
}

/**
 * The predict step shared by `mammoflow predict` and the predict stage: read test.csv (one
 * shard of it), open both models once, score every image.
 */
export async function runPredict(run: PredictRun): Promise<ImageResult[]> {
  const rows = testImagesFromCsv(await readFile(run.csv, "utf8"), run.csv);
  const images = run.shard ? shardOf(rows, run.shard.index, run.shard.count) : rows;
  const [detectorFile, classifierFile] = await Promise.all([
    resolveOnnxModel(run.detector, DETECTOR_HINTS),
    resolveOnnxModel(run.classifier, CLASSIFIER_HINTS),
  ]);
  const detector = await BreastRoiDetector.open(detectorFile, run.runtime, run.detectorPrecision);
  try {
    const classifier = await ClassifierEnsemble.open(classifierFile, run.runtime);
    try {
      run.onReady?.({
        detector: detector.provider,
        detectorFp16: detector.fp16,
        classifier: classifier.provider,
        batchSize: classifier.batchSize,
        images: images.length,
      });
      const options = {
        roi: run.roi,
        pixels: run.pixels,
        workers: run.workers,
        onProgress: run.onProgress,
        onWarning: run.onWarning,
        onResized: run.onResized,
      };
      return await predictImages(images, run.images, { detector, classifier }, options);
    } finally {
      await classifier.close();
    }
  } finally {
    await detector.close();
  }
}
