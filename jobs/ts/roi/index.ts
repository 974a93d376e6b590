// Breast region of interest (docs/seed-pipeline.md#breast-roi-detection): YOLOX-nano box, Otsu fallback, full frame.
export { BreastRoiDetector, truncateToUint8 } from "./detector.ts";
export { loadOpenCv, type OpenCv, type OpenCvRuntime } from "./opencv.ts";
export { type OtsuRegion, otsuBreastRegion, type PixelBox, percentileUint8 } from "./otsu.ts";
export { type DetectorPrecision, detectorFp16Attempts } from "./precision.ts";
export { type BreastBox, detectionToImageBox, fullFrame, type RoiBranch, resizedToImageBox } from "./select-box.ts";
export { type FitSize, fitSize, resizeBilinearTorch } from "./torch-bilinear.ts";
export {
  decodeAnchor,
  decodeYoloxOutput,
  topYoloxDetection,
  YOLOX_CHANNELS,
  YOLOX_STRIDES,
  type YoloxDetection,
  type YoloxGrid,
  yoloxGrid,
} from "./yolox-decode.ts";
export { buildYoloxInput, YOLOX_PAD_VALUE, type YoloxInput } from "./yolox-input.ts";
