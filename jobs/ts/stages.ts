import type { STAGE_CATALOGUE, StageName } from "../contract/stages.ts";
import type { StageFunction } from "./runtime/index.ts";

/** The catalogue's TypeScript stages (jobs/contract/catalogue: `language: "typescript"`). */
type TypeScriptStage = {
  [S in StageName]: (typeof STAGE_CATALOGUE)[S]["language"] extends "typescript" ? S : never;
}[StageName];

/**
 * The TypeScript stage programs by contract name, each typed by its catalogue entry (its inputs
 * and parameters). `mammoflow stage NAME --request FILE` runs one of them under the stage contract.
 */
export const TS_STAGES: { readonly [S in TypeScriptStage]: StageFunction<S> } = {
  // Loaded on first use: ONNX Runtime and OpenCV.js are heavy to import for the other commands.
  predict: async (context) => (await import("./submit/stages.ts")).predictStage(context),
  aggregate: async (context) => {
    await (await import("./submit/stages.ts")).aggregateStage(context);
    if (context.request.inputs.images !== undefined) {
      await (await import("./report/report-stage.ts")).writeSubmissionReport(context);
    }
  },
  "roi-images": async (context) => (await import("./roi-images/stage.ts")).roiImagesStage(context),
  "prepare-dataset": async (context) => (await import("./dataset/stage.ts")).prepareDataset(context),
  "check-inputs": async (context) => (await import("./preflight/check-inputs.ts")).checkInputsStage(context),
};
