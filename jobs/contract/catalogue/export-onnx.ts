import { z } from "zod";
import { EnsembleExport } from "../parameters/engine.ts";
import { defaulted } from "../parameters/storage-path.ts";
import { defineStage } from "./stage-definition.ts";
import { StageClassifierModel } from "./stage-parameters.ts";

/**
 * The detector's export: `inputSize` defaults to the size the checkpoint was trained at (its
 * history.json), which only the stage can read; `opset` is the seed's 15.
 */
export const DetectorExportParameters = z.object({
  model: z.literal("yolox-nano"),
  inputSize: z.int().min(32).max(2048).multipleOf(32).optional(),
  opset: z.int().min(13).max(23).default(15),
});

/** The ensemble's export: the classifier of every fold and the ONNX settings. */
export const EnsembleExportParameters = z.object({
  model: defaulted(StageClassifierModel),
  export: defaulted(EnsembleExport),
});

/**
 * ONNX export (seed J2' for the detector, J7 for the ensemble). The detector reads `checkpoint`
 * (a file or a train-detector folder); the ensemble reads `selection` (select-checkpoints'
 * folder) or one checkpoint file per fold (`fold0`, `fold1`, …).
 */
export const exportOnnx = defineStage({
  name: "export-onnx",
  language: "python",
  seedJob: "J2'/J7",
  inputs: { checkpoint: "optional", selection: "optional", "fold{k}": "optional" },
  parameters: z.union([DetectorExportParameters, EnsembleExportParameters]),
  artifacts: ["onnx", "modelCard"],
  sharded: false,
  gpu: false,
  sizing: { cpu: "2", memory: "8Gi", ephemeralStorage: "8Gi", shm: "256Mi", deadlineHours: 2 },
});
