// The classifier ensemble (docs/seed-pipeline.md#inference): crop → canvas → ONNX Runtime fold probabilities.
export { type ClassifierImage, fillBatchSlot, resizeAndPad } from "./classifier-input.ts";
export { batchSizeForMemory, ClassifierEnsemble } from "./ensemble.ts";
