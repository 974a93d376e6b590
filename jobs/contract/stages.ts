import { z } from "zod";

/** Every stage program, with the language image it runs in (DESIGN.md §4). */
export const STAGE_CATALOGUE = {
  "roi-images": { language: "typescript", sharded: false, gpu: false, seedJob: "J1" },
  "roi-dataset": { language: "python", sharded: false, gpu: false, seedJob: "J1" },
  "train-detector": { language: "python", sharded: false, gpu: true, seedJob: "J2" },
  "export-onnx": { language: "python", sharded: false, gpu: false, seedJob: "J2'/J7" },
  "prepare-dataset": { language: "typescript", sharded: true, gpu: false, seedJob: "J3" },
  "cv-split": { language: "python", sharded: false, gpu: false, seedJob: "J4" },
  "train-fold": { language: "python", sharded: false, gpu: true, seedJob: "J5" },
  "select-checkpoints": { language: "python", sharded: false, gpu: false, seedJob: "J6" },
  "build-engine": { language: "python", sharded: false, gpu: true, seedJob: "J7" },
  predict: { language: "typescript", sharded: true, gpu: true, seedJob: "J8" },
  aggregate: { language: "typescript", sharded: false, gpu: false, seedJob: "J8" },
} as const satisfies Record<
  string,
  { language: "python" | "typescript"; sharded: boolean; gpu: boolean; seedJob: string }
>;

export const StageName = z
  .enum(Object.keys(STAGE_CATALOGUE) as [keyof typeof STAGE_CATALOGUE, ...(keyof typeof STAGE_CATALOGUE)[]])
  .describe("Name of a stage program.");
export type StageName = z.infer<typeof StageName>;
