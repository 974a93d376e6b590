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

/**
 * The operator configuration that runs stage pods in those images (never pulled), with the
 * default GPU pool's pod sizes overridden by `podSizes` where given (the catalogue's are sized for
 * A100 nodes, too large for the 2-core test node).
 */
export function onNodeImagesConfig(podSizes?: Record<string, unknown>): Record<string, unknown> {
  return {
    images: { ...stageImagesOnNode(), pullPolicy: "Never" },
    ...(podSizes ? { gpuPools: { a100: { gpuType: "a100", resources: podSizes } } } : {}),
  };
}
