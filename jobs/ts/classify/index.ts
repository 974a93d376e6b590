// The classifier ensemble (pipeline-spec §7.1–7.2): crop → canvas → ONNX Runtime fold probabilities.
export { type ClassifierImage, fillBatchSlot, resizeAndPad } from "./classifier-input.ts";
export { batchSizeForMemory, ClassifierEnsemble } from "./ensemble.ts";
