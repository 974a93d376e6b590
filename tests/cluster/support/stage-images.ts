import { inject } from "vitest";
import { buildStageImages, loadStageImages, type StageImages } from "../harness/stage-images.ts";

export type { StageImages };

/**
 * Builds the stage images where their content changed and loads them into the real node: in the
 * suite's global setup, which has no hook timeout (a cold build takes minutes).
 */
export function prepareStageImages(containerdAddress: string): StageImages {
  buildStageImages();
  return loadStageImages(containerdAddress);
}

/** References of the stage images as the real node knows them (use imagePullPolicy Never). */
export function stageImagesOnNode(): StageImages {
  const images = inject("stageImages");
  if (!images) throw new Error("this test needs the stage images, which MAMMOFLOW_CLUSTER_REAL_NODE=off left out");
  return images;
}
