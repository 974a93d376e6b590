import path from "node:path";

/**
 * Where prepare-dataset writes, under the stage folder S (the operator's
 * `runs/<ns>/<kind>/<name>/prepare-dataset`; shard i's request has outputDir `S/i`):
 *
 *   S/<dataset>/cleaned_images/{patient_id}@{image_id}.png   crops, written by the shards (rename)
 *   S/<i>/records.json                                         what shard i did with each image
 *   S/<dataset>/cleaned_label.csv                              written by the merge, seed order
 *   S/report.json                                              the merge's error report
 *
 * so the merged result has the seed's `classification/<dataset>/` layout under S.
 */
export function stageRoot(outputDir: string, sharded: boolean): string {
  return sharded ? path.dirname(outputDir) : outputDir;
}

export const cropsDir = (root: string, dataset: string) => path.join(root, dataset, "cleaned_images");
export const cropFile = (root: string, dataset: string, key: string) =>
  path.join(cropsDir(root, dataset), `${key}.png`);
export const labelFile = (root: string, dataset: string) => path.join(root, dataset, "cleaned_label.csv");
export const shardFolder = (root: string, index: number) => path.join(root, String(index));
export const recordsFile = (root: string, index: number) => path.join(shardFolder(root, index), "records.json");
export const reportFile = (root: string) => path.join(root, "report.json");
