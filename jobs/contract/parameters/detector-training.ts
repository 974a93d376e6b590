import { z } from "zod";
import { StoragePath } from "./storage-path.ts";
import { TrainingDevice } from "./training-device.ts";

/**
 * Where the detector's weights start. Absent means Coco and, like training.device, no default is
 * written into the spec: the train-detector requests (and digests) of existing resources stay.
 */
export const DetectorInit = z
  .enum(["Coco", "Random"])
  .optional()
  .describe(
    "Coco (what absent means): start from the COCO-pretrained checkpoint in pretrained, as the seed. Random: YOLOX-nano's own initialisation, no pretrained file read, for trial runs at toy size.",
  );

/**
 * YOLOX-nano breast-ROI training (docs/seed-pipeline.md#detector-training, `yolox_nano_bre_416.py` and
 * `train_and_convert_yolox_trt.sh`). Defaults are the seed's experiment.
 */
export const DetectorTraining = z
  .object({
    labels: StoragePath.default("assets/data/roi_det_yolov5_format").describe(
      "YOLOv5-format breast-box labels (classes.txt, train.txt, val.txt, labels/*.txt); the seed's 571 boxes by default.",
    ),
    images: StoragePath.default("datasets/processed/roi_det_yolox/yolov5_format/images").describe(
      "Folder of the labelled images as the seed's J1 writes them: 8-bit min-max PNGs {patient_id}@{image_id}.png of the RSNA training DICOMs (path C). Read only when dicomImages is not set; then bring them yourself (e.g. `mammoflow decode --mode minmax`, renamed).",
    ),
    dicomImages: StoragePath.optional().describe(
      "The RSNA training DICOM folder (train_images/{patient_id}/{image_id}.dcm). When set, a roi-images stage decodes the labelled images with path C (min-max, MONOCHROME1 inverted, 8 bits) for roi-dataset and images is not read.",
    ),
    pretrained: StoragePath.default("assets/public_pretrains/yolox_nano.pth").describe(
      "COCO-pretrained YOLOX-nano checkpoint to start from (class layers are re-initialised); not read when init is Random.",
    ),
    init: DetectorInit,
    inputSize: z
      .int()
      .min(32)
      .max(2048)
      .multipleOf(32)
      .default(416)
      .describe("Square input size of the detector in pixels (multiple of the largest stride, 32)."),
    device: TrainingDevice,
    epochs: z.int().min(1).max(10000).default(400).describe("Training epochs."),
    warmupEpochs: z.int().min(0).max(10000).default(50).describe("Epochs of quadratic learning-rate warm-up."),
    noAugEpochs: z
      .int()
      .min(0)
      .max(10000)
      .default(5)
      .describe(
        "Last epochs run at the minimum learning rate; the L1 box loss is on from the epoch before them (noAugEpochs + 1 epochs), as YOLOX's Trainer turns it on.",
      ),
    batchSize: z.int().min(1).max(1024).default(64).describe("Images per optimiser step."),
    learningRate: z
      .number()
      .positive()
      .default(1e-3)
      .describe("Peak learning rate at batch size 64; scaled linearly with batchSize."),
    warmupLearningRate: z.number().min(0).default(1e-5).describe("Learning rate at the start of the warm-up."),
    minLearningRateRatio: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .describe("Final cosine learning rate as a fraction of the peak."),
    momentum: z.number().min(0).max(1).default(0.9).describe("SGD Nesterov momentum."),
    weightDecay: z.number().min(0).default(5e-4).describe("Weight decay on convolution and linear weights."),
    horizontalFlipProbability: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe("The only augmentation of the seed: horizontal flip."),
    emaDecay: z
      .number()
      .min(0)
      .max(1)
      .default(0.9998)
      .describe("EMA decay (YOLOX ramps it as decay·(1−exp(−updates/2000)))."),
    seed: z.int().min(0).default(42).describe("Random seed."),
  })
  .describe("Hyper-parameters and inputs of the YOLOX-nano breast-ROI training.");
export type DetectorTraining = z.infer<typeof DetectorTraining>;
