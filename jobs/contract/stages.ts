import { z } from "zod";

import { aggregate } from "./catalogue/aggregate.ts";
import { buildEngine } from "./catalogue/build-engine.ts";
import { checkInputs } from "./catalogue/check-inputs.ts";
import { cvSplit } from "./catalogue/cv-split.ts";
import { exportOnnx } from "./catalogue/export-onnx.ts";
import { predict } from "./catalogue/predict.ts";
import { prepareDataset } from "./catalogue/prepare-dataset.ts";
import { roiDataset } from "./catalogue/roi-dataset.ts";
import { roiImages } from "./catalogue/roi-images.ts";
import { selectCheckpoints } from "./catalogue/select-checkpoints.ts";
import type { InputsOf } from "./catalogue/stage-definition.ts";
import { trainDetector } from "./catalogue/train-detector.ts";
import { trainFold } from "./catalogue/train-fold.ts";

export type { StageDefinition, StageSizing } from "./catalogue/stage-definition.ts";

/**
 * Every stage program, each declared in catalogue/<stage>.ts: its language and image (DESIGN.md
 * §4), named inputs, parameters with their defaults, artifacts, sharding and default pod sizing.
 * Sizing follows the seed's runs: its data preparation used 4 (J1) and 8 (J3) worker processes,
 * fold training 8 loader workers with batch 8 at 2048×1024 and ran for a day or more per fold on
 * an A100 (8 GPU-days for a full reproduction); the detector trained in hours; everything else is
 * minutes to an hour on the RSNA set. Deadlines leave several times that.
 */
export const STAGE_CATALOGUE = {
  "roi-images": roiImages,
  "roi-dataset": roiDataset,
  "train-detector": trainDetector,
  "export-onnx": exportOnnx,
  "prepare-dataset": prepareDataset,
  "cv-split": cvSplit,
  "train-fold": trainFold,
  "select-checkpoints": selectCheckpoints,
  "build-engine": buildEngine,
  predict,
  aggregate,
  "check-inputs": checkInputs,
} as const;

type Catalogue = typeof STAGE_CATALOGUE;

export const StageName = z
  .enum(Object.keys(STAGE_CATALOGUE) as [keyof typeof STAGE_CATALOGUE, ...(keyof typeof STAGE_CATALOGUE)[]])
  .describe("Name of a stage program.");
export type StageName = z.infer<typeof StageName>;

/** The `inputs` of a request for `stage`: its declared names, the required ones present. */
export type StageInputs<S extends StageName> = InputsOf<Catalogue[S]["inputs"]>;

/** The `parameters` of a request for `stage` as a sender writes them (defaults may be left out). */
export type StageParametersInput<S extends StageName> = z.input<Catalogue[S]["parameters"]>;

/** The `parameters` as the stage reads them: validated, every default applied. */
export type StageParameters<S extends StageName> = z.output<Catalogue[S]["parameters"]>;

/**
 * The command line that runs a stage, the same in an image and in the local runner (DESIGN.md
 * §4): `mammoflow` is the TypeScript image's command on PATH (the repository's bin/mammoflow.js
 * locally), `python` the Python image's interpreter with mammoflow_jobs installed.
 */
export function stageEntryPoint(
  stage: StageName,
  requestFile: string,
): { program: "mammoflow" | "python"; args: string[] } {
  const request = ["--request", requestFile];
  return STAGE_CATALOGUE[stage].language === "typescript"
    ? { program: "mammoflow", args: ["stage", stage, ...request] }
    : { program: "python", args: ["-m", "mammoflow_jobs", stage, ...request] };
}
