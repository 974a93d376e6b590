import type { StageFunction } from "./runtime/index.ts";

/**
 * The TypeScript stage programs by contract name (jobs/contract/stages.ts lists which stages are
 * TypeScript). `mammoflow stage NAME --request FILE` runs one of them under the stage contract.
 */
export const TS_STAGES: Record<string, StageFunction> = {
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
};
