import { z } from "zod";
import { EnsembleExport } from "../parameters/engine.ts";
import { defaulted } from "../parameters/storage-path.ts";
import { defineStage } from "./stage-definition.ts";

/**
 * TensorRT engines (seed J7) of every ONNX model in its `onnx` folder: the ensemble's with
 * `export`, the detector's always fp16 batch 1 (as the seed's J2'). `gpuType` names the engine
 * files, which only run on that GPU type.
 */
export const buildEngine = defineStage({
  name: "build-engine",
  language: "python",
  seedJob: "J7",
  inputs: { onnx: "required" },
  parameters: z.object({
    export: defaulted(EnsembleExport),
    gpuType: z.string().min(1).default("gpu"),
  }),
  artifacts: ["{name}.engine", "engines.json", "ort-tensorrt.json"],
  sharded: false,
  gpu: true,
  sizing: { cpu: "4", memory: "16Gi", ephemeralStorage: "16Gi", shm: "1Gi", deadlineHours: 6 },
});
