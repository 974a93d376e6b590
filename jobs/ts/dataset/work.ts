import { DATASET_ADAPTERS } from "./adapters/index.ts";
import type { DatasetInput, DatasetName, DatasetPlan, PlannedImage } from "./types.ts";

/** One image of the global work list: every dataset's planned images, in request order. */
export interface WorkItem {
  dataset: DatasetName;
  image: PlannedImage;
  needsFacts: boolean;
}

/** Plans every dataset (label files and the listings they name); a label file that cannot be read names itself. */
export async function planDatasets(inputs: readonly DatasetInput[]): Promise<DatasetPlan[]> {
  const plans: DatasetPlan[] = [];
  for (const input of inputs) plans.push(await DATASET_ADAPTERS[input.name].plan(input));
  return plans;
}

/** The global, deterministic work list the shards slice. */
export function workItems(inputs: readonly DatasetInput[], plans: readonly DatasetPlan[]): WorkItem[] {
  return plans.flatMap((plan, i) => {
    const input = inputs[i] as DatasetInput;
    const needsFacts = DATASET_ADAPTERS[input.name].needsImageFacts(input);
    return plan.images.map((image) => ({ dataset: plan.dataset, image, needsFacts }));
  });
}
