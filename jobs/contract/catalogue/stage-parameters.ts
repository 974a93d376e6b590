import { ClassifierModel } from "../parameters/classifier.ts";

/**
 * The classifier as a stage reads it: the API's ClassifierModel, where `pretrained: null` also
 * means timm's random initialisation (trial runs and tests without the ImageNet file).
 */
export const StageClassifierModel = ClassifierModel.extend({
  pretrained: ClassifierModel.shape.pretrained.nullable(),
});
