import { detectorTrainingUint8, windowedUint8, yoloxInputUint8 } from "../convert/paths.ts";
import type { DicomImage } from "../read-dicom.ts";
import type { DecodeMode } from "./decode-modes.ts";

/**
 * window: path B on the whole image (window #0, min-max when the file has no window);
 * yolox: path A step 3 (the detector's input before resize); minmax: path C (detector training).
 */
export function renderImage(image: DicomImage, mode: DecodeMode): Uint8Array {
  switch (mode) {
    case "window":
      return windowedUint8(image);
    case "yolox":
      return yoloxInputUint8(image);
    case "minmax":
      return detectorTrainingUint8(image);
  }
}
