import type { StageContextOf } from "../runtime/index.ts";
import { CLASSIFIER_HINTS, DETECTOR_HINTS, resolveOnnxModel } from "../submit/models.ts";
import { modelsRecord, writeModelsRecord } from "./models-record.ts";
import type { ThumbnailWriter } from "./thumbnails.ts";

/**
 * What the predict stage leaves for the report beside probabilities.csv: the thumbnails' index
 * and models.json (the models' SHA-256 and cards, the versions). A thumbnail that could not be
 * written is a problem of its image, not a failure of the shard.
 */
export async function recordForReport(
  context: StageContextOf<"predict">,
  thumbnails: ThumbnailWriter,
  detectorInput: string,
  engineInput: string,
): Promise<void> {
  await context.addArtifact("thumbnails", await thumbnails.finish());
  for (const failure of thumbnails.failures) context.addProblem(failure.imageId, failure.message);
  const [detector, classifier] = await Promise.all([
    resolveOnnxModel(detectorInput, DETECTOR_HINTS),
    resolveOnnxModel(engineInput, CLASSIFIER_HINTS),
  ]);
  const record = await modelsRecord(detector, classifier, context.storageRoot);
  await context.addArtifact("models", await writeModelsRecord(context.outputDir, record));
}
